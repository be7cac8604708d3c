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
            FisherScorer.Gradients g = FisherScorer.gradients(enc, scope, FisherScorer.stack(batch, copies), probe);
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

    private static double finiteDifference(Encoder enc, TokenBatch batch, float[] probe, int layer, int unit,
                                           boolean head) {
        return (projection(enc, batch, probe, layer, unit, head, 1 + STEP)
                - projection(enc, batch, probe, layer, unit, head, 1 - STEP)) / (2 * STEP);
    }

    private static double projection(Encoder enc, TokenBatch batch, float[] probe, int layer, int unit,
                                     boolean head, float value) {
        ModelConfig c = enc.config();
        try (NDManager scope = enc.newScope()) {
            float[] gate = new float[head ? c.numHeads() : c.intermediateSize()];
            java.util.Arrays.fill(gate, 1f);
            gate[unit] = value;
            NDArray g = scope.create(gate);
            Gates gates = new Gates() {
                @Override
                public NDArray heads(int l) {
                    return head && l == layer ? g : null;
                }

                @Override
                public NDArray neurons(int l) {
                    return !head && l == layer ? g : null;
                }
            };
            float[] z = enc.forward(scope, batch, gates, false).logits().toFloatArray();
            double sum = 0;
            for (int i = 0; i < z.length; i++) {
                sum += (double) z[i] * probe[i];
            }
            return sum;
        }
    }
}
