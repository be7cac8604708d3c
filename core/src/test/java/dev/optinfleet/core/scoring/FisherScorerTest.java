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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FisherScorerTest {
    /** Central differences in float32 with step 1e-2: truncation and rounding both stay well under this. */
    private static final double RELATIVE = 2e-2;
    private static final float STEP = 1e-2f;

    @Test
    void gateGradientsMatchFiniteDifferencesForEveryProbeCopyAndSample() {
        ModelConfig config = TinyModels.config();
        Checkpoint c = TinyModels.random(config, 31);
        TokenBatch batch = TinyModels.batch(3, 8, config.vocabSize(), 2);
        int copies = 2;
        int labels = config.numLabels();
        Random rnd = new Random(4);
        float[] probes = new float[copies * batch.size() * labels];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = (float) rnd.nextGaussian();
        }
        try (Encoder enc = Encoder.load(c); NDManager scope = enc.newScope()) {
            NDArray probe = scope.create(probes, new Shape((long) copies * batch.size(), labels));
            FisherScorer.Gradients g = FisherScorer.gradients(enc, scope, FisherScorer.stack(batch, copies), probe,
                    null);
            for (int p = 0; p < copies; p++) {
                for (int row = 0; row < batch.size(); row++) {
                    int stacked = p * batch.size() + row;
                    // The projection of this row alone: its gradient must not leak into any other row's gates.
                    float[] own = new float[batch.size() * labels];
                    System.arraycopy(probes, stacked * labels, own, row * labels, labels);
                    for (int[] unit : new int[][] {{0, 1}, {2, 3}}) {
                        double fd = finiteDifference(enc, batch, own, unit[0], unit[1], true);
                        double grad = g.heads()[unit[0]][stacked * config.numHeads() + unit[1]];
                        assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                                "head " + unit[0] + "." + unit[1] + " copy " + p + " row " + row);
                    }
                    for (int[] unit : new int[][] {{0, 5}, {1, 0}, {2, 23}}) {
                        double fd = finiteDifference(enc, batch, own, unit[0], unit[1], false);
                        double grad = g.neurons()[unit[0]][stacked * config.intermediateSize() + unit[1]];
                        assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                                "neuron " + unit[0] + "." + unit[1] + " copy " + p + " row " + row);
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
        int rows = batch.size();
        int s = batch.sequenceLength();
        int layers = config.numLayers();
        Random rnd = new Random(6);
        float[][] gram = new float[layers][rows * s * s];
        for (float[] g : gram) {
            for (int row = 0; row < rows; row++) {
                for (int i = 0; i < s; i++) {
                    for (int k = 0; k < s; k++) {
                        boolean real = batch.attentionMask()[row * s + i] != 0 && batch.attentionMask()[row * s + k] != 0;
                        g[(row * s + i) * s + k] = real ? (float) rnd.nextGaussian() : 0f;
                    }
                }
            }
        }
        try (Encoder enc = Encoder.load(c); NDManager scope = enc.newScope()) {
            NDArray noOutputProbe = scope.zeros(new Shape(rows, config.numLabels()));
            NDArray[] probes = new NDArray[layers];
            for (int l = 0; l < layers; l++) {
                probes[l] = scope.create(gram[l], new Shape(rows, s, s));
            }
            FisherScorer.Gradients g = FisherScorer.gradients(enc, scope, batch, noOutputProbe, probes);
            for (int row = 0; row < rows; row++) {
                for (int[] unit : new int[][] {{0, 1}, {layers - 1, 3}}) {
                    double fd = gramDifference(enc, batch, gram, row, unit[0], unit[1], true);
                    double grad = g.heads()[unit[0]][row * config.numHeads() + unit[1]];
                    assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                            "head " + unit[0] + "." + unit[1] + " row " + row);
                }
                for (int[] unit : new int[][] {{0, 5}, {1, 17}, {layers - 1, 2}}) {
                    double fd = gramDifference(enc, batch, gram, row, unit[0], unit[1], false);
                    double grad = g.neurons()[unit[0]][row * config.intermediateSize() + unit[1]];
                    assertEquals(fd, grad, RELATIVE * Math.max(1e-3, Math.abs(fd)),
                            "neuron " + unit[0] + "." + unit[1] + " row " + row);
                }
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
