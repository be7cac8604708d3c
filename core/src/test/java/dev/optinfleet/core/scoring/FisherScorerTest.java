package dev.optinfleet.core.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FisherScorerTest {
    /** Central differences in float32 with step 1e-2: truncation and rounding both stay well under this. */
    private static final double RELATIVE = 2e-2;
    private static final float STEP = 1e-2f;
    /** Split and padding change only float32 summation order. */
    private static final double SPLIT = 1e-3;

    /** Records what a pass delivers, from fixed random probes. */
    private static final class Recorder implements GradientPass.Probes {
        final float[][] outputProbes;
        final float[][][] gramProbes;
        final float[][][] heads;
        final float[][][] neurons;
        final float[][][] featureHeads;
        final float[][][] featureNeurons;

        Recorder(TokenBatch batch, int probes, int width, int layers, long seed) {
            Random rnd = new Random(seed);
            int s = batch.sequenceLength();
            outputProbes = new float[probes][batch.size() * width];
            gramProbes = new float[probes][layers][batch.size() * s * s];
            for (int p = 0; p < probes; p++) {
                for (int i = 0; i < outputProbes[p].length; i++) {
                    outputProbes[p][i] = (float) rnd.nextGaussian();
                }
                for (float[] g : gramProbes[p]) {
                    for (int row = 0; row < batch.size(); row++) {
                        for (int i = 0; i < s; i++) {
                            for (int k = 0; k < s; k++) {
                                boolean real = batch.isToken(row, i) && batch.isToken(row, k);
                                g[(row * s + i) * s + k] = real ? (float) rnd.nextGaussian() : 0f;
                            }
                        }
                    }
                }
            }
            heads = new float[probes][][];
            neurons = new float[probes][][];
            featureHeads = new float[probes][][];
            featureNeurons = new float[probes][][];
        }

        @Override
        public float[] output(int probe, float[] z, int width) {
            return outputProbes[probe];
        }

        @Override
        public float[] gram(int probe, int layer) {
            return gramProbes[probe][layer];
        }

        @Override
        public void accept(int probe, boolean feature, float[][] h, float[][] n) {
            (feature ? featureHeads : heads)[probe] = h;
            (feature ? featureNeurons : neurons)[probe] = n;
        }
    }

    @Test
    void gateGradientsMatchFiniteDifferencesForEveryProbeAndSample() {
        ModelConfig config = TinyModels.config();
        Checkpoint c = TinyModels.random(config, 31);
        TokenBatch batch = TinyModels.batch(3, 8, config.vocabSize(), 2);
        int probes = 2;
        int labels = config.numLabels();
        try (Encoder enc = Encoder.load(c)) {
            Recorder rec = new Recorder(batch, probes, labels, config.numLayers(), 4);
            GradientPass.run(enc, batch, probes, false, rec);
            for (int p = 0; p < probes; p++) {
                for (int row = 0; row < batch.size(); row++) {
                    // The projection of this row alone: its gradient must not leak into any other row's gates.
                    float[] own = new float[batch.size() * labels];
                    System.arraycopy(rec.outputProbes[p], row * labels, own, row * labels, labels);
                    for (int[] unit : new int[][] {{0, 1}, {2, 3}}) {
                        double fd = finiteDifference(enc, batch, own, unit[0], unit[1], true);
                        double grad = rec.heads[p][unit[0]][row * config.numHeads() + unit[1]];
                        assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                                "head " + unit[0] + "." + unit[1] + " probe " + p + " row " + row);
                    }
                    for (int[] unit : new int[][] {{0, 5}, {1, 0}, {2, 23}}) {
                        double fd = finiteDifference(enc, batch, own, unit[0], unit[1], false);
                        double grad = rec.neurons[p][unit[0]][row * config.intermediateSize() + unit[1]];
                        assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                                "neuron " + unit[0] + "." + unit[1] + " probe " + p + " row " + row);
                    }
                }
            }
        }
    }

    @Test
    void gramProbeGradientsMatchFiniteDifferencesOfEachRowsGramProjection() {
        ModelConfig config = TinyModels.config();
        Checkpoint c = TinyModels.random(config, 37);
        TokenBatch batch = TinyModels.batch(3, 8, config.vocabSize(), 2);
        int layers = config.numLayers();
        try (Encoder enc = Encoder.load(c)) {
            Recorder rec = new Recorder(batch, 2, config.numLabels(), layers, 6);
            GradientPass.run(enc, batch, 2, true, rec);
            for (int p = 0; p < 2; p++) {
                for (int row = 0; row < batch.size(); row++) {
                    for (int[] unit : new int[][] {{0, 1}, {layers - 1, 3}}) {
                        double fd = gramDifference(enc, batch, rec.gramProbes[p], row, unit[0], unit[1], true);
                        double grad = rec.featureHeads[p][unit[0]][row * config.numHeads() + unit[1]];
                        assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                                "head " + unit[0] + "." + unit[1] + " probe " + p + " row " + row);
                    }
                    for (int[] unit : new int[][] {{0, 5}, {1, 17}, {layers - 1, 2}}) {
                        double fd = gramDifference(enc, batch, rec.gramProbes[p], row, unit[0], unit[1], false);
                        double grad = rec.featureNeurons[p][unit[0]][row * config.intermediateSize() + unit[1]];
                        assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                                "neuron " + unit[0] + "." + unit[1] + " probe " + p + " row " + row);
                    }
                }
            }
        }
    }

    @Test
    void retainedGraphGivesTheGradientsOfOneForwardPassPerProbe() {
        ModelConfig config = TinyModels.config();
        TokenBatch batch = TinyModels.batch(4, 8, config.vocabSize(), 3);
        try (Encoder enc = Encoder.load(TinyModels.random(config, 41))) {
            Recorder retained = new Recorder(batch, 3, config.numLabels(), config.numLayers(), 8);
            Recorder repeated = new Recorder(batch, 3, config.numLabels(), config.numLayers(), 8);
            GradientPass.run(enc, batch, 3, true, retained, true);
            GradientPass.run(enc, batch, 3, true, repeated, false);
            for (int p = 0; p < 3; p++) {
                for (int l = 0; l < config.numLayers(); l++) {
                    assertArrayEquals(repeated.heads[p][l], retained.heads[p][l], 1e-5f, "probe " + p);
                    assertArrayEquals(repeated.neurons[p][l], retained.neurons[p][l], 1e-5f, "probe " + p);
                    assertArrayEquals(repeated.featureHeads[p][l], retained.featureHeads[p][l], 1e-5f);
                    assertArrayEquals(repeated.featureNeurons[p][l], retained.featureNeurons[p][l], 1e-5f);
                }
            }
        }
    }

    @Test
    void scoresAgreeHoweverSamplesAreSplitIntoTasksAndPasses() {
        // A 12-layer model: the memory plan and the per-sample probes must hold at depth, not only on 3 layers.
        ModelConfig config = ModelConfig.dense("bert", 50, 16, 12, 4, 24, 64, 2, 1e-12,
                dev.optinfleet.core.model.Pooling.POOLER, 3, List.of());
        TokenBatch shard = TinyModels.batch(9, 40, config.vocabSize(), 5);
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY).withFisher(3, 16);
        try (Encoder enc = Encoder.load(TinyModels.random(config, 43))) {
            long seed = 77;
            long one = GradientMemory.bytesPerSample(config, 40, true);
            List<UnitTerms> whole = FisherScorer.score(enc, shard, 0, 9, seed, s, new ScoringContext(100 * one, null));
            for (long budget : new long[] {one, 3 * one}) {
                List<Long> progress = new java.util.ArrayList<>();
                List<UnitTerms> split = FisherScorer.score(enc, shard, 0, 9, seed, s,
                        new ScoringContext(budget, (done, total) -> progress.add(done)));
                assertTermsClose(whole, split, "pass budget of " + budget / one + " samples");
                // The longest text alone at the smallest budget; shorter ones share passes (grouped by length).
                assertTrue(progress.size() > 1 && progress.size() < 9, "progress after every pass: " + progress);
                assertEquals(budget == one ? 1L : 3L, progress.get(0), "first pass: " + progress);
                assertEquals(9L, progress.get(progress.size() - 1));
            }
            // Two tasks of the same shard, merged, equal the one task.
            List<UnitTerms> first = FisherScorer.score(enc, shard, 0, 4, seed, s, new ScoringContext(2 * one, null));
            List<UnitTerms> second = FisherScorer.score(enc, shard, 4, 9, seed, s, new ScoringContext(2 * one, null));
            List<UnitTerms> merged = new java.util.ArrayList<>();
            for (int i = 0; i < first.size(); i++) {
                merged.add(sum(first.get(i), second.get(i)));
            }
            assertTermsClose(whole, merged, "two tasks");
        }
    }

    @Test
    void aSequenceThatCannotFitFailsNamingTheBudgetAndLength() {
        ModelConfig config = TinyModels.config();
        TokenBatch shard = TinyModels.batch(2, 8, config.vocabSize(), 5);
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.FISHER).withFisher(2, 4);
        try (Encoder enc = Encoder.load(TinyModels.random(config, 43))) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.optinfleet.core.memory.MemoryBudgetException.class,
                    () -> FisherScorer.score(enc, shard, 0, 2, 1, s, new ScoringContext(1000, null)));
            assertTrue(e.getMessage().contains("8 tokens"), e.getMessage());
            assertTrue(e.getMessage().contains("budget"), e.getMessage());
        }
    }

    private static UnitTerms sum(UnitTerms a, UnitTerms b) {
        double[] f = new double[a.size()];
        double[] o = new double[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.feature(i) + b.feature(i);
            o[i] = a.output(i) + b.output(i);
        }
        return new UnitTerms(a.layer(), a.kind(), a.from(), f, o);
    }

    private static void assertTermsClose(List<UnitTerms> expected, List<UnitTerms> actual, String what) {
        assertEquals(expected.size(), actual.size());
        for (int t = 0; t < expected.size(); t++) {
            UnitTerms e = expected.get(t);
            UnitTerms a = actual.get(t);
            for (int i = 0; i < e.size(); i++) {
                assertEquals(e.output(i), a.output(i), SPLIT * Math.max(1e-6, Math.abs(e.output(i))),
                        what + ": output term of layer " + e.layer() + " " + e.kind() + " " + i);
                assertEquals(e.feature(i), a.feature(i), SPLIT * Math.max(1e-6, Math.abs(e.feature(i))),
                        what + ": feature term of layer " + e.layer() + " " + e.kind() + " " + i);
            }
        }
    }

    @Test
    void featureTermsComeWithTheOutputTermsOfTheSameProbes() {
        ModelConfig config = TinyModels.config();
        try (Encoder enc = Encoder.load(TinyModels.random(config, 31))) {
            TokenBatch batch = TinyModels.batch(5, 8, config.vocabSize(), 2);
            ScoringSettings s = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY).withFisher(4, 2);
            List<UnitTerms> terms = TaskRunner.run(new ScoringTask.GradientBatch(0, 0, batch.size()), enc, batch, null,
                    s);
            assertEquals(2 * config.numLayers(), terms.size());
            for (UnitTerms t : terms) {
                for (int i = 0; i < t.size(); i++) {
                    assertTrue(t.feature(i) > 0, "every unit moves some later layer's features: " + t.layer()
                            + " " + t.kind() + " " + i);
                    assertTrue(t.output(i) >= 0);
                }
            }
            List<UnitTerms> outputOnly = TaskRunner.run(new ScoringTask.GradientBatch(0, 0, batch.size()), enc, batch,
                    null, ScoringSettings.defaults(ScorerKind.FISHER).withFisher(4, 2));
            for (UnitTerms t : outputOnly) {
                for (int i = 0; i < t.size(); i++) {
                    assertEquals(0.0, t.feature(i), "no feature term unless asked");
                }
            }
        }
    }

    @Test
    void scoresEveryUnitOnceWithNonNegativeImportance() {
        ModelConfig config = TinyModels.config();
        try (Encoder enc = Encoder.load(TinyModels.random(config, 31))) {
            TokenBatch batch = TinyModels.batch(5, 8, config.vocabSize(), 2);
            ScoringSettings s = ScoringSettings.defaults(ScorerKind.FISHER).withFisher(4, 2);
            List<UnitTerms> terms = FisherScorer.score(enc, batch, s);
            assertEquals(2 * config.numLayers(), terms.size());
            double total = 0;
            for (UnitTerms t : terms) {
                assertEquals(t.kind() == UnitKind.HEAD ? config.numHeads() : config.intermediateSize(), t.size());
                for (int i = 0; i < t.size(); i++) {
                    assertTrue(t.output(i) >= 0);
                    total += t.output(i);
                }
            }
            assertTrue(total > 0);
            // Same seed, same shard: the same estimate.
            assertEquals(terms, FisherScorer.score(enc, batch, s));
        }
    }

    @Test
    void gradientsAreTheSameWhileTheGarbageCollectorRuns() throws InterruptedException {
        // A worker scores with a modest heap; garbage collection during a backward pass once freed memory autograd
        // still read (scalars wrapped by NDArray.mul(Number)), giving NaN or huge terms. Collect constantly here.
        ModelConfig config = TinyModels.config();
        try (Encoder enc = Encoder.load(TinyModels.random(config, 31))) {
            TokenBatch batch = TinyModels.batch(5, 8, config.vocabSize(), 2);
            ScoringSettings s = ScoringSettings.defaults(ScorerKind.FISHER).withFisher(4, 2);
            List<UnitTerms> quiet = FisherScorer.score(enc, batch, s);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread collector = new Thread(() -> {
                while (!stop.get()) {
                    System.gc();
                }
            }, "gc-pressure");
            collector.start();
            try {
                for (int run = 0; run < 20; run++) {
                    assertEquals(quiet, FisherScorer.score(enc, batch, s), "run " + run + " under GC pressure");
                }
            } finally {
                stop.set(true);
                collector.join();
            }
        }
    }

    /** Central difference of Σ_j gram[j] · G_j over one row, G_j its normalised layer-j features' Gram matrix. */
    private static double gramDifference(Encoder enc, TokenBatch batch, float[][] gram, int row, int layer,
                                         int unit, boolean head) {
        return (gramProjection(enc, batch, gram, row, layer, unit, head, 1 + STEP)
                - gramProjection(enc, batch, gram, row, layer, unit, head, 1 - STEP)) / (2 * STEP);
    }

    private static double gramProjection(Encoder enc, TokenBatch batch, float[][] gram, int row, int layer,
                                         int unit, boolean head, float value) {
        ModelConfig c = enc.config();
        int s = batch.sequenceLength();
        int d = c.hiddenSize();
        try (NDManager scope = enc.newScope()) {
            List<NDArray> features = enc.forward(scope, batch, gate(scope, c, layer, unit, head, value), true)
                    .features();
            double sum = 0;
            for (int j = 0; j < c.numLayers(); j++) {
                float[] f = features.get(j).toFloatArray();
                double[][] u = new double[s][d];
                for (int i = 0; i < s; i++) {
                    double norm = 0;
                    for (int k = 0; k < d; k++) {
                        norm += (double) f[(row * s + i) * d + k] * f[(row * s + i) * d + k];
                    }
                    for (int k = 0; k < d; k++) {
                        u[i][k] = f[(row * s + i) * d + k] / Math.sqrt(norm);
                    }
                }
                for (int i = 0; i < s; i++) {
                    for (int k = 0; k < s; k++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += u[i][e] * u[k][e];
                        }
                        sum += gram[j][(row * s + i) * s + k] * dot;
                    }
                }
            }
            return sum;
        }
    }

    private static Gates gate(NDManager scope, ModelConfig c, int layer, int unit, boolean head, float value) {
        float[] gate = new float[head ? c.numHeads() : c.intermediateSize()];
        java.util.Arrays.fill(gate, 1f);
        gate[unit] = value;
        NDArray g = scope.create(gate);
        return new Gates() {
            @Override
            public NDArray heads(int l) {
                return head && l == layer ? g : null;
            }

            @Override
            public NDArray neurons(int l) {
                return !head && l == layer ? g : null;
            }
        };
    }

    private static double finiteDifference(Encoder enc, TokenBatch batch, float[] probe, int layer, int unit,
                                           boolean head) {
        return (projection(enc, batch, probe, layer, unit, head, 1 + STEP)
                - projection(enc, batch, probe, layer, unit, head, 1 - STEP)) / (2 * STEP);
    }

    private static double projection(Encoder enc, TokenBatch batch, float[] probe, int layer, int unit,
                                     boolean head, float value) {
        ModelConfig c = enc.config();
        try (NDManager scope = enc.newScope()) {
            float[] z = enc.forward(scope, batch, gate(scope, c, layer, unit, head, value), false).logits()
                    .toFloatArray();
            double sum = 0;
            for (int i = 0; i < z.length; i++) {
                sum += (double) z[i] * probe[i];
            }
            return sum;
        }
    }
}
