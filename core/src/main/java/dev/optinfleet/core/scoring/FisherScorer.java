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

    /**
     * Terms of every unit of every layer (heads then neurons per layer) from one shard; for
     * {@code fisher_trajectory} also the feature term, a Gauss-Newton estimate of the trajectory's Gram-matrix
     * drift (see {@link #gradients}).
     */
    public static List<UnitTerms> score(Encoder encoder, TokenBatch shard, ScoringSettings settings) {
        boolean features = settings.scorer() == ScorerKind.FISHER_TRAJECTORY;
        ModelConfig c = encoder.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("scoring needs the dense model, got " + c);
        }
        int layers = c.numLayers();
        double[][] heads = new double[layers][c.numHeads()];
        double[][] neurons = new double[layers][c.intermediateSize()];
        double[][] headFeatures = new double[layers][c.numHeads()];
        double[][] neuronFeatures = new double[layers][c.intermediateSize()];
        Random random = new Random(settings.seed());
        int probes = settings.fisherProbes();
        for (int from = 0; from < shard.size(); from += settings.fisherBatch()) {
            TokenBatch batch = shard.rows(from, Math.min(shard.size(), from + settings.fisherBatch()));
            Gradients g = gradients(encoder, batch, probes, features, random);
            int outputRows = probes * batch.size();
            for (int l = 0; l < layers; l++) {
                accumulateSquares(heads[l], g.heads[l], 0, outputRows, probes);
                accumulateSquares(neurons[l], g.neurons[l], 0, outputRows, probes);
                if (features) {
                    accumulateSquares(headFeatures[l], g.heads[l], outputRows, 2 * outputRows, probes);
                    accumulateSquares(neuronFeatures[l], g.neurons[l], outputRows, 2 * outputRows, probes);
                }
            }
        }
        List<UnitTerms> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new UnitTerms(l, UnitKind.HEAD, 0, headFeatures[l], heads[l]));
            out.add(new UnitTerms(l, UnitKind.NEURON, 0, neuronFeatures[l], neurons[l]));
        }
        return out;
    }

    /**
     * Gradients with respect to the gates, one set per stacked row (probe copy-major, then sample): heads[l] has
     * R·H entries, neurons[l] has R·F. The first P·B rows carry output probes (r · z); with feature probes, P·B
     * more rows carry Σ_j s_j · G_j, the Gram matrix G_j of row's L2-normalised layer-j features (tokens x tokens,
     * padding excluded) against a standard normal s_j per layer. E[(s · ∂G/∂g_i)²] = ‖∂G/∂g_i‖², the Gauss-Newton
     * estimate of the Gram drift Σ_j ‖G_j − G_j'‖² when unit i goes: the trajectory score's feature term, over all
     * layers from the unit's own on and within each sample, in one backward pass.
     */
    record Gradients(float[][] heads, float[][] neurons) {
    }

    static Gradients gradients(Encoder encoder, TokenBatch batch, int probes, boolean features, Random random) {
        try (NDManager scope = encoder.newScope()) {
            ModelConfig c = encoder.config();
            int copies = features ? 2 * probes : probes;
            TokenBatch stacked = stack(batch, copies);
            NDArray dense;
            try (NDManager densePass = encoder.newScope()) {
                EncoderOutput out = encoder.forward(densePass, batch);
                dense = out.output();
                dense = (c.hasClassifier() ? dense.softmax(-1) : dense);
                dense.attach(scope);
            }
            int width = (int) dense.getShape().get(1);
            float[] r = java.util.Arrays.copyOf(drawProbes(dense.toFloatArray(), width, batch.size(), probes,
                    c.hasClassifier(), random), copies * batch.size() * width); // feature rows: no output probe
            NDArray probe = scope.create(r, new Shape((long) copies * batch.size(), width));
            NDArray[] gramProbes = features ? gramProbes(scope, batch, probes, c.numLayers(), random) : null;
            return gradients(encoder, scope, stacked, probe, gramProbes);
        }
    }

    /**
     * Per layer, [2·P·B, S, S]: zero on the output rows, standard normal on the feature rows between real tokens,
     * zero where either token is padding.
     */
    private static NDArray[] gramProbes(NDManager scope, TokenBatch batch, int probes, int layers, Random random) {
        int b = batch.size();
        int s = batch.sequenceLength();
        long[] mask = batch.attentionMask();
        NDArray[] out = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            float[] r = new float[2 * probes * b * s * s];
            for (int p = 0; p < probes; p++) {
                for (int row = 0; row < b; row++) {
                    int off = ((probes + p) * b + row) * s * s;
                    for (int i = 0; i < s; i++) {
                        for (int j = 0; j < s; j++) {
                            if (mask[row * s + i] != 0 && mask[row * s + j] != 0) {
                                r[off + i * s + j] = (float) random.nextGaussian();
                            }
                        }
                    }
                }
            }
            out[l] = scope.create(r, new Shape(2L * probes * b, s, s));
        }
        return out;
    }

    /**
     * Per-row gradients of Σ probe · z + Σ_j gramProbes[j] · G_j (one gate row per row of {@code stacked};
     * {@code gramProbes} null for the output term alone).
     */
    static Gradients gradients(Encoder encoder, NDManager scope, TokenBatch stacked, NDArray probe,
                               NDArray[] gramProbes) {
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
            EncoderOutput out = encoder.forward(scope, stacked, gates, gramProbes != null);
            NDArray projection = out.output().mul(probe).sum();
            if (gramProbes != null) {
                for (int l = 0; l < layers; l++) {
                    NDArray f = out.features().get(l);
                    NDArray unit = f.div(f.square().sum(new int[] {-1}, true).sqrt());
                    projection = projection.add(unit.matMul(unit.transpose(0, 2, 1)).mul(gramProbes[l]).sum());
                }
            }
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

    /** Adds Σ g² / P over rows [from, to): over samples the sum, over probes the mean. */
    private static void accumulateSquares(double[] into, float[] grads, int from, int to, int copies) {
        int units = into.length;
        for (int row = from; row < to; row++) {
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
