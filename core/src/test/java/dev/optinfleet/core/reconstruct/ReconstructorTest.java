package dev.optinfleet.core.reconstruct;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.optinfleet.core.reconstruct.ReconstructionFixtures.halfMask;
import static dev.optinfleet.core.reconstruct.ReconstructionFixtures.statistics;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconstructorTest {
    /** float32 activations against the double reference: weights agree to this, relative to their scale. */
    private static final double WEIGHT_TOLERANCE = 2e-3;
    private static final double ERROR_RELATIVE_TOLERANCE = 1e-3;
    private static final float FORWARD_TOLERANCE = 1e-5f;
    private static final double ALPHA = 1e-2;

    private static final ModelConfig CONFIG = TinyModels.config();
    private static final Checkpoint DENSE = TinyModels.random(CONFIG, 11);

    /** Half the heads and about half the neurons of every layer, seeded. */
    private static ReconstructionSettings full() {
        return ReconstructionSettings.of(Repair.FULL).withRelativeRidge(ALPHA);
    }

    @Test
    void fullRefitMatchesIndependentLeastSquaresOnTinyModel() {
        UnitMask mask = halfMask(CONFIG, 3);
        TokenBatch batch = TinyModels.batch(12, 10, CONFIG.vocabSize(), 5);
        // small passes: several micro-batches per shard, so the shard-by-shard sums are what is compared
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(batch.rows(0, 7), batch.rows(7, 12)),
                full().withTokensPerPass(25));
        NaiveReconstruction naive = new NaiveReconstruction(DENSE, mask, batch, ALPHA);
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            for (String name : List.of(TensorNames.attentionOutput(l, "weight"), TensorNames.attentionOutput(l, "bias"),
                    TensorNames.output(l, "weight"), TensorNames.output(l, "bias"))) {
                assertClose(naive.result.tensor(name), r.checkpoint().tensor(name));
            }
        }
        assertEquals(naive.errors.size(), r.refits().size());
        for (int i = 0; i < r.refits().size(); i++) {
            SublayerRefit s = r.refits().get(i);
            assertEquals(SublayerRefit.REFIT, s.status(), s.toString());
            assertEquals(naive.errors.get(i)[0], s.errorBefore(), ERROR_RELATIVE_TOLERANCE * s.errorBefore(),
                    s.toString());
            assertEquals(naive.errors.get(i)[1], s.errorAfter(), ERROR_RELATIVE_TOLERANCE * s.errorBefore(),
                    s.toString());
        }
        long realTokens = Arrays.stream(batch.lengths()).sum();
        assertEquals(realTokens, r.tokens());
        assertEquals(realTokens, r.refits().get(0).tokens(), "padding must not count");
    }

    @Test
    void reconstructionStrictlyReducesTheCalibrationErrorOfEverySublayer() {
        UnitMask mask = halfMask(CONFIG, 4);
        TokenBatch batch = TinyModels.batch(12, 10, CONFIG.vocabSize(), 6);
        NaiveReconstruction naive = new NaiveReconstruction(DENSE, mask, batch, ALPHA);
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(batch), full());
        for (int i = 0; i < naive.errors.size(); i++) {
            double[] e = naive.errors.get(i);
            assertTrue(e[1] < e[0], "reference: sublayer " + i + " error " + e[0] + " -> " + e[1]);
            SublayerRefit s = r.refits().get(i);
            assertTrue(s.errorAfter() < s.errorBefore(), s.toString());
        }
        // and the bias-only repair too, by less than the full one
        Reconstruction bias = Reconstructor.reconstruct(DENSE, mask, List.of(batch), ReconstructionSettings.of(
                Repair.BIAS));
        for (SublayerRefit s : bias.refits()) {
            assertTrue(s.errorAfter() < s.errorBefore(), s.toString());
        }
        SublayerRefit firstFull = r.refits().get(0);
        SublayerRefit firstBias = bias.refits().get(0);
        assertEquals(firstFull.errorBefore(), firstBias.errorBefore(), 1e-6 * firstFull.errorBefore());
        assertTrue(firstFull.errorAfter() < firstBias.errorAfter());
    }

    @Test
    void biasRepairAddsTheMeanResidualAndKeepsTheWeights() {
        UnitMask mask = halfMask(CONFIG, 5);
        TokenBatch batch = TinyModels.batch(8, 10, CONFIG.vocabSize(), 7);
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(batch), ReconstructionSettings.of(
                Repair.BIAS));
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            String w = TensorNames.output(l, "weight");
            assertArrayEquals(DENSE.tensor(w).data(), r.checkpoint().tensor(w).data(), w);
        }
        // layer 0 attention: the student's input is the dense one, so the bias moves by the mean over real tokens
        // of what the removed heads wrote: b* - b0 = mean_t (ctx_removed W_o[removed])
        try (Encoder enc = Encoder.load(DENSE); NDManager scope = enc.newScope()) {
            var bias = enc.attentionBias(scope, batch);
            var x = enc.embed(scope, batch);
            var denseOut = enc.attentionOutput(0, x, bias, null);
            var maskedOut = enc.attentionOutput(0, x, bias, scope.create(mask.headGates(0)));
            float[] diff = denseOut.sub(maskedOut).toFloatArray();
            int d = CONFIG.hiddenSize();
            double[] mean = new double[d];
            int n = 0;
            for (int row = 0; row < batch.size(); row++) {
                for (int p = 0; p < batch.sequenceLength(); p++) {
                    if (batch.isToken(row, p)) {
                        n++;
                        for (int j = 0; j < d; j++) {
                            mean[j] += diff[(row * batch.sequenceLength() + p) * d + j];
                        }
                    }
                }
            }
            float[] b0 = DENSE.tensor(TensorNames.attentionOutput(0, "bias")).data();
            float[] b1 = r.checkpoint().tensor(TensorNames.attentionOutput(0, "bias")).data();
            for (int j = 0; j < d; j++) {
                assertEquals(mean[j] / n, b1[j] - b0[j], 1e-4, "bias " + j);
            }
        }
    }

    @Test
    void slicedRefitModelEqualsMaskedModelWithRefitWeights() {
        UnitMask mask = halfMask(CONFIG, 6);
        TokenBatch calibration = TinyModels.batch(10, 10, CONFIG.vocabSize(), 8);
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(calibration), full());
        Checkpoint sliced = CheckpointSlicer.slice(r.checkpoint(), mask);
        // the kept slices of the refit weights are in the pruned checkpoint bit for bit
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            int[] cols = mask.keptNeurons(l);
            FloatTensor refit = r.checkpoint().tensor(TensorNames.output(l, "weight"));
            FloatTensor small = sliced.tensor(TensorNames.output(l, "weight"));
            for (int j = 0; j < CONFIG.hiddenSize(); j++) {
                for (int i = 0; i < cols.length; i++) {
                    assertEquals(refit.data()[j * CONFIG.intermediateSize() + cols[i]],
                            small.data()[j * cols.length + i]);
                }
            }
            assertArrayEquals(r.checkpoint().tensor(TensorNames.attentionOutput(l, "bias")).data(),
                    sliced.tensor(TensorNames.attentionOutput(l, "bias")).data());
        }
        TokenBatch other = TinyModels.batch(4, 9, CONFIG.vocabSize(), 21);
        try (Encoder masked = Encoder.load(r.checkpoint()); Encoder small = Encoder.load(sliced);
             Encoder dense = Encoder.load(DENSE); NDManager scope = masked.newScope()) {
            EncoderOutput a = masked.forward(scope, other, MaskGates.of(scope, CONFIG, mask), false);
            EncoderOutput b = small.forward(scope, other, Gates.NONE, false);
            assertTrue(a.hidden().sub(b.hidden()).abs().max().getFloat() < FORWARD_TOLERANCE);
            assertTrue(a.logits().sub(b.logits()).abs().max().getFloat() < FORWARD_TOLERANCE);
            // and the refit did change the model (otherwise the equality says nothing)
            EncoderOutput plain = dense.forward(scope, other, MaskGates.of(scope, CONFIG, mask), false);
            assertTrue(plain.hidden().sub(b.hidden()).abs().max().getFloat() > 1e-2);
        }
    }

    @Test
    void budgetOneReturnsTheDenseWeights() {
        TokenBatch batch = TinyModels.batch(6, 10, CONFIG.vocabSize(), 9);
        UnitMask all = UnitMask.all(CONFIG.numLayers(), CONFIG.numHeads(), CONFIG.intermediateSize());
        Reconstruction r = Reconstructor.reconstruct(DENSE, all, List.of(batch), full());
        for (Map.Entry<String, FloatTensor> e : DENSE.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data(), r.checkpoint().tensor(e.getKey()).data(), e.getKey());
        }
        assertTrue(r.refits().stream().allMatch(s -> s.status().equals(SublayerRefit.UNCHANGED)), r.refits()
                .toString());
    }

    @Test
    void solverReturnsTheCurrentWeightsWhenTheyAlreadyFitExactly() {
        // with no drift the target is exactly H W0 + b0: the ridge solution is W0 whatever lambda
        Random rnd = new Random(1);
        int k = 6;
        int d = 3;
        int n = 40;
        double[] w0 = rnd.doubles(k * d, -1, 1).toArray();
        double[] b0 = rnd.doubles(d, -1, 1).toArray();
        double[][] h = new double[n][k];
        double[][] y = new double[n][d];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < k; i++) {
                h[t][i] = rnd.nextGaussian() + 0.5;
            }
            for (int j = 0; j < d; j++) {
                y[t][j] = b0[j];
                for (int i = 0; i < k; i++) {
                    y[t][j] += h[t][i] * w0[i * d + j];
                }
            }
        }
        ProjectionStatistics stats = statistics(h, y);
        ProjectionStatistics.Fit fit = stats.solve(w0, b0, 0.1);
        assertArrayEquals(w0, fit.weights(), 1e-9);
        assertArrayEquals(b0, fit.bias(), 1e-9);
        assertEquals(0, fit.errorBefore(), 1e-9);
    }

    @Test
    void fewTokensForManyKeptUnitsStaySolvableAndAreReported() {
        // one sequence of 3 real tokens against 24 kept neurons and 16 context columns
        TokenBatch tiny = TinyModels.batch(2, 3, CONFIG.vocabSize(), 2).rows(0, 1);
        UnitMask mask = halfMask(CONFIG, 7).withoutHead(0, 0).withoutHead(0, 1).withoutHead(0, 2);
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(tiny), full());
        assertTrue(r.refits().stream().anyMatch(SublayerRefit::underdetermined), r.refits().toString());
        for (FloatTensor t : r.checkpoint().tensors().values()) {
            for (float v : t.data()) {
                assertTrue(Float.isFinite(v), t.name());
            }
        }
        for (SublayerRefit s : r.refits()) {
            assertTrue(s.errorAfter() <= s.errorBefore(), s.toString());
        }
    }

    @Test
    void nonFiniteStatisticsFailNamingLayerAndShard() {
        Checkpoint broken = TinyModels.random(CONFIG, 11, t -> t.name().equals(TensorNames.intermediate(1, "bias"))
                ? new FloatTensor(t.name(), t.shape(), filled(t.data().length, Float.NaN)) : t);
        UnitMask mask = halfMask(CONFIG, 3);
        List<TokenBatch> shards = List.of(TinyModels.batch(3, 8, CONFIG.vocabSize(), 1),
                TinyModels.batch(3, 8, CONFIG.vocabSize(), 2));
        ReconstructionException e = assertThrows(ReconstructionException.class,
                () -> Reconstructor.reconstruct(broken, mask, shards, full()));
        assertEquals(1, e.layer());
        assertEquals(SublayerRefit.FFN, e.sublayer());
        assertTrue(e.getMessage().contains("layer 1 ffn") && e.getMessage().contains("calibration shard 0")
                && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void layerThatKeepsNothingIsSkippedAsInTheMaskedModel() {
        boolean[][] heads = halfMask(CONFIG, 8).heads();
        boolean[][] neurons = halfMask(CONFIG, 8).neurons();
        Arrays.fill(heads[1], false);
        Arrays.fill(neurons[2], false);
        UnitMask mask = new UnitMask(heads, neurons);
        TokenBatch batch = TinyModels.batch(6, 10, CONFIG.vocabSize(), 4);
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(batch), full());
        SublayerRefit attention1 = r.refits().get(2);
        SublayerRefit ffn2 = r.refits().get(5);
        assertEquals(SublayerRefit.SKIPPED, attention1.status());
        assertEquals(SublayerRefit.SKIPPED, ffn2.status());
        assertArrayEquals(DENSE.tensor(TensorNames.attentionOutput(1, "bias")).data(),
                r.checkpoint().tensor(TensorNames.attentionOutput(1, "bias")).data());
        assertArrayEquals(DENSE.tensor(TensorNames.output(2, "bias")).data(),
                r.checkpoint().tensor(TensorNames.output(2, "bias")).data());
        assertEquals(SublayerRefit.REFIT, r.refits().get(3).status());
        // and the sliced model (no attention in layer 1, no FFN in layer 2) still equals the masked one
        Checkpoint sliced = CheckpointSlicer.slice(r.checkpoint(), mask);
        try (Encoder masked = Encoder.load(r.checkpoint()); Encoder small = Encoder.load(sliced);
             NDManager scope = masked.newScope()) {
            EncoderOutput a = masked.forward(scope, batch, MaskGates.of(scope, CONFIG, mask), false);
            EncoderOutput b = small.forward(scope, batch, Gates.NONE, false);
            assertTrue(a.hidden().sub(b.hidden()).abs().max().getFloat() < FORWARD_TOLERANCE);
        }
    }

    @Test
    void rejectsBadArguments() {
        UnitMask mask = halfMask(CONFIG, 1);
        TokenBatch batch = TinyModels.batch(2, 5, CONFIG.vocabSize(), 1);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> Reconstructor.reconstruct(DENSE, mask, List.of(batch), ReconstructionSettings.of(Repair.NONE)));
        assertTrue(none.getMessage().contains("none"), none.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Reconstructor.reconstruct(DENSE, mask, List.of(), full()));
        assertTrue(empty.getMessage().contains("calibration"), empty.getMessage());
        IllegalArgumentException pruned = assertThrows(IllegalArgumentException.class,
                () -> Reconstructor.reconstruct(CheckpointSlicer.slice(DENSE, mask), mask, List.of(batch), full()));
        assertTrue(pruned.getMessage().contains("already pruned"), pruned.getMessage());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> Repair.parse("--repair", "partial"));
        assertTrue(mode.getMessage().contains("--repair") && mode.getMessage().contains("partial"));
        assertThrows(IllegalArgumentException.class, () -> full().withRelativeRidge(0));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static void assertClose(FloatTensor expected, FloatTensor actual) {
        float scale = 0;
        for (float v : expected.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.data().length; i++) {
            assertEquals(expected.data()[i], actual.data()[i], WEIGHT_TOLERANCE * Math.max(1, scale),
                    expected.name() + "[" + i + "]");
        }
        assertFalse(Arrays.equals(expected.data(), DENSE.tensor(expected.name()).data())
                && !expected.name().endsWith("bias"), expected.name() + " was not refit by the reference");
    }
}
