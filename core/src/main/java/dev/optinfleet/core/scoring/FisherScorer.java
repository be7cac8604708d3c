package dev.optinfleet.core.scoring;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The label-free Fisher estimate ({@code fisher}): gates g (all 1) on every head and neuron; for mini-batches b
 * and random probes r, importance_i = Σ_b mean_r (∂(r · z)/∂g_i)², with z the logits and r ~ N(0, diag(p) − p pᵀ)
 * (drawn as onehot(y) − p, y ~ p, p = softmax of the dense logits); without a classifier z is the pooled output
 * and r ~ N(0, I). This is a Gauss-Newton estimate of how much the output divergence grows when unit i goes, so
 * it lands in the output term of {@link UnitTerms}.
 *
 * <p>The P probes of a mini-batch run as one pass: the batch is stacked P times and every stacked row has its own
 * gates, so one backward pass yields a separate gradient per (probe, sample). Squaring per-sample gradients, not
 * the gradient of the batch sum, drops the cross terms between samples: the same expectation with less variance.
 * Uses the engine's single gradient collector: do not run two Fisher passes at once in one process.
 */
public final class FisherScorer {
    private FisherScorer() {
    }

    /** Terms of every unit of every layer (heads then neurons per layer) from one shard. */
    public static List<UnitTerms> score(Encoder encoder, TokenBatch shard, ScoringSettings settings) {
        ModelConfig c = encoder.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("scoring needs the dense model, got " + c);
        }
        int layers = c.numLayers();
        double[][] heads = new double[layers][c.numHeads()];
        double[][] neurons = new double[layers][c.intermediateSize()];
        Random random = new Random(settings.seed());
        int probes = settings.fisherProbes();
        for (int from = 0; from < shard.size(); from += settings.fisherBatch()) {
            TokenBatch batch = shard.rows(from, Math.min(shard.size(), from + settings.fisherBatch()));
            Gradients g = gradients(encoder, batch, probes, random);
            for (int l = 0; l < layers; l++) {
                accumulateSquares(heads[l], g.heads[l], probes);
                accumulateSquares(neurons[l], g.neurons[l], probes);
            }
        }
        List<UnitTerms> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new UnitTerms(l, UnitKind.HEAD, 0, new double[c.numHeads()], heads[l]));
            out.add(new UnitTerms(l, UnitKind.NEURON, 0, new double[c.intermediateSize()], neurons[l]));
        }
        return out;
    }

    /**
     * Gradients of r · z with respect to the gates, one set per stacked row (probe copy-major, then sample):
     * heads[l] has P·B·H entries, neurons[l] has P·B·F.
     */
    record Gradients(float[][] heads, float[][] neurons) {
    }

    static Gradients gradients(Encoder encoder, TokenBatch batch, int probes, Random random) {
        try (NDManager scope = encoder.newScope()) {
            ModelConfig c = encoder.config();
            TokenBatch stacked = stack(batch, probes);
            NDArray dense;
            try (NDManager densePass = encoder.newScope()) {
                EncoderOutput out = encoder.forward(densePass, batch);
                dense = out.output();
                dense = (c.hasClassifier() ? dense.softmax(-1) : dense);
                dense.attach(scope);
            }
            NDArray probe = scope.create(drawProbes(dense.toFloatArray(), (int) dense.getShape().get(1), batch.size(),
                    probes, c.hasClassifier(), random), new Shape((long) probes * batch.size(),
                    dense.getShape().get(1)));
            return gradients(encoder, scope, stacked, probe);
        }
    }

    /** Per-row gradients of Σ probe · z (one gate row per row of {@code stacked}). */
    static Gradients gradients(Encoder encoder, NDManager scope, TokenBatch stacked, NDArray probe) {
        ModelConfig c = encoder.config();
        int layers = c.numLayers();
        int rows = stacked.size();
        NDArray[] headGates = new NDArray[layers];
        NDArray[] neuronGates = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            headGates[l] = scope.ones(new Shape(rows, c.numHeads()));
            neuronGates[l] = scope.ones(new Shape(rows, c.intermediateSize()));
            headGates[l].setRequiresGradient(true);
            neuronGates[l].setRequiresGradient(true);
        }
        Engine engine = scope.getEngine();
        try (GradientCollector collector = engine.newGradientCollector()) {
            Gates gates = new Gates() {
                @Override
                public NDArray heads(int layer) {
                    return headGates[layer];
                }

                @Override
                public NDArray neurons(int layer) {
                    return neuronGates[layer];
                }
            };
            EncoderOutput out = encoder.forward(scope, stacked, gates, false);
            NDArray projection = out.output().mul(probe).sum();
            collector.backward(projection);
        }
        float[][] h = new float[layers][];
        float[][] n = new float[layers][];
        for (int l = 0; l < layers; l++) {
            h[l] = headGates[l].getGradient().toFloatArray();
            n[l] = neuronGates[l].getGradient().toFloatArray();
        }
        return new Gradients(h, n);
    }

    private static float[] drawProbes(float[] dense, int width, int rows, int probes, boolean classifier,
                                      Random random) {
        float[] r = new float[probes * rows * width];
        for (int p = 0; p < probes; p++) {
            for (int row = 0; row < rows; row++) {
                int off = (p * rows + row) * width;
                if (classifier) {
                    int label = sample(dense, row * width, width, random);
                    for (int k = 0; k < width; k++) {
                        r[off + k] = (k == label ? 1f : 0f) - dense[row * width + k];
                    }
                } else {
                    for (int k = 0; k < width; k++) {
                        r[off + k] = (float) random.nextGaussian();
                    }
                }
            }
        }
        return r;
    }

    private static int sample(float[] p, int off, int n, Random random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int k = 0; k < n; k++) {
            cumulative += p[off + k];
            if (u < cumulative) {
                return k;
            }
        }
        return n - 1;
    }

    /** Adds Σ_rows g² / P: over samples the sum, over probes the mean. */
    private static void accumulateSquares(double[] into, float[] grads, int copies) {
        int units = into.length;
        for (int row = 0; row < grads.length / units; row++) {
            for (int i = 0; i < units; i++) {
                double g = grads[row * units + i];
                into[i] += g * g / copies;
            }
        }
    }

    /** The batch stacked {@code copies} times, copy-major. */
    static TokenBatch stack(TokenBatch batch, int copies) {
        int n = batch.ids().length;
        long[] ids = new long[n * copies];
        long[] types = new long[n * copies];
        long[] mask = new long[n * copies];
        for (int p = 0; p < copies; p++) {
            System.arraycopy(batch.ids(), 0, ids, p * n, n);
            System.arraycopy(batch.typeIds(), 0, types, p * n, n);
            System.arraycopy(batch.attentionMask(), 0, mask, p * n, n);
        }
        return new TokenBatch(batch.size() * copies, batch.sequenceLength(), ids, types, mask, 0);
    }
}
