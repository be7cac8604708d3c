package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The label-free Fisher estimate ({@code fisher}): gates g (all 1) on every head and neuron; for samples i and
 * random probes r, importance_u = Σ_i mean_r (∂(r · z_i)/∂g_u)², with z the logits and r ~ N(0, diag(p) − p pᵀ)
 * (drawn as onehot(y) − p, y ~ p, p = softmax of the dense logits); without a classifier z is the pooled output
 * and r ~ N(0, I). This is a Gauss-Newton estimate of how much the output divergence grows when unit u goes, so
 * it lands in the output term of {@link UnitTerms}. {@code fisher_trajectory} adds the feature term from a second
 * set of probes on the layers' Gram matrices ({@link GradientPass}).
 *
 * <p>Squaring per-sample gradients, not the gradient of the batch sum, drops the cross terms between samples: the
 * same expectation with less variance.
 *
 * <p>Memory is planned: samples are grouped by length, each micro-batch padded to its own longest and as large as
 * {@link GradientMemory} lets the context's pass budget hold (at most {@code fisherBatch}). Every probe of sample
 * i is drawn from a seed of (shard seed, i, probe, layer), so the result does not depend on how samples are split
 * into tasks and passes, only on floating-point summation order.
 */
public final class FisherScorer {
    private FisherScorer() {
    }

    /** Every sample of the shard, seeded by the settings' seed, within the machine's memory. */
    public static List<UnitTerms> score(Encoder encoder, TokenBatch shard, ScoringSettings settings) {
        return score(encoder, shard, 0, shard.size(), settings.seed(), settings, ScoringContext.detected(encoder));
    }

    /**
     * Terms of every unit of every layer (heads then neurons per layer) from samples [from, to) of one shard.
     *
     * @param shardSeed the seed every sample's probes derive from (the same for every task of the shard)
     */
    public static List<UnitTerms> score(Encoder encoder, TokenBatch shard, int from, int to, long shardSeed,
                                        ScoringSettings settings, ScoringContext context) {
        boolean features = settings.scorer() == ScorerKind.FISHER_TRAJECTORY;
        ModelConfig c = encoder.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("scoring needs the dense model, got " + c);
        }
        if (from < 0 || to > shard.size() || from >= to) {
            throw new IllegalArgumentException("samples [" + from + ", " + to + ") outside the shard's "
                    + shard.size());
        }
        Accumulator acc = new Accumulator(c, settings.fisherProbes());
        int[] lengths = shard.lengths();
        // Longest first: each micro-batch is sized for its first (longest) sample.
        int[] order = IntStream.range(from, to).boxed()
                .sorted((a, b) -> lengths[b] != lengths[a] ? Integer.compare(lengths[b], lengths[a])
                        : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
        int done = 0;
        while (done < order.length) {
            int length = Math.max(1, lengths[order[done]]);
            int n = Math.min(order.length - done, GradientMemory.samplesPerPass(c, length, features,
                    context.passBytes(), settings.fisherBatch()));
            int[] rows = Arrays.copyOfRange(order, done, done + n);
            TokenBatch batch = shard.select(rows, length);
            GradientPass.run(encoder, batch, settings.fisherProbes(), features,
                    new SampleProbes(batch, rows, shardSeed, c.hasClassifier(), acc));
            done += n;
            context.progress().advanced(done, order.length);
        }
        return acc.terms(features);
    }

    /** Σ over samples, mean over probes, of squared gate gradients, per layer. */
    private static final class Accumulator {
        final double[][] heads;
        final double[][] neurons;
        final double[][] headFeatures;
        final double[][] neuronFeatures;
        final int probes;

        Accumulator(ModelConfig c, int probes) {
            int layers = c.numLayers();
            this.heads = new double[layers][c.numHeads()];
            this.neurons = new double[layers][c.intermediateSize()];
            this.headFeatures = new double[layers][c.numHeads()];
            this.neuronFeatures = new double[layers][c.intermediateSize()];
            this.probes = probes;
        }

        void add(boolean feature, float[][] h, float[][] n) {
            for (int l = 0; l < h.length; l++) {
                addSquares(feature ? headFeatures[l] : heads[l], h[l]);
                addSquares(feature ? neuronFeatures[l] : neurons[l], n[l]);
            }
        }

        private void addSquares(double[] into, float[] grads) {
            int units = into.length;
            for (int k = 0; k < grads.length; k++) {
                double g = grads[k];
                into[k % units] += g * g / probes;
            }
        }

        List<UnitTerms> terms(boolean features) {
            List<UnitTerms> out = new ArrayList<>();
            for (int l = 0; l < heads.length; l++) {
                out.add(new UnitTerms(l, UnitKind.HEAD, 0, headFeatures[l], heads[l]));
                out.add(new UnitTerms(l, UnitKind.NEURON, 0, neuronFeatures[l], neurons[l]));
            }
            return out;
        }
    }

    /** The probes of one micro-batch, each drawn from its sample's own seed. */
    private record SampleProbes(TokenBatch batch, int[] samples, long shardSeed, boolean classifier,
                                Accumulator acc) implements GradientPass.Probes {
        private static final long OUTPUT = 1;
        private static final long GRAM = 2;

        @Override
        public float[] output(int probe, float[] z, int width) {
            float[] r = new float[samples.length * width];
            for (int row = 0; row < samples.length; row++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.of(shardSeed, samples[row], probe, OUTPUT));
                int off = row * width;
                if (classifier) {
                    double[] p = softmax(z, off, width);
                    int label = sample(p, rnd);
                    for (int k = 0; k < width; k++) {
                        r[off + k] = (float) ((k == label ? 1 : 0) - p[k]);
                    }
                } else {
                    for (int k = 0; k < width; k++) {
                        r[off + k] = (float) rnd.nextGaussian();
                    }
                }
            }
            return r;
        }

        @Override
        public float[] gram(int probe, int layer) {
            int s = batch.sequenceLength();
            float[] r = new float[samples.length * s * s];
            for (int row = 0; row < samples.length; row++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.of(shardSeed, samples[row], probe, GRAM, layer));
                int off = row * s * s;
                // Drawn over the sample's tokens in order, so padding (however long) takes no draw.
                for (int i = 0; i < s; i++) {
                    for (int j = 0; j < s && batch.isToken(row, i); j++) {
                        if (batch.isToken(row, j)) {
                            r[off + i * s + j] = (float) rnd.nextGaussian();
                        }
                    }
                }
            }
            return r;
        }

        @Override
        public void accept(int probe, boolean feature, float[][] heads, float[][] neurons) {
            acc.add(feature, heads, neurons);
        }

        private static double[] softmax(float[] z, int off, int width) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < width; k++) {
                max = Math.max(max, z[off + k]);
            }
            double[] p = new double[width];
            double sum = 0;
            for (int k = 0; k < width; k++) {
                p[k] = Math.exp(z[off + k] - max);
                sum += p[k];
            }
            for (int k = 0; k < width; k++) {
                p[k] /= sum;
            }
            return p;
        }

        private static int sample(double[] p, SplittableRandom rnd) {
            double u = rnd.nextDouble();
            double cumulative = 0;
            for (int k = 0; k < p.length; k++) {
                cumulative += p[k];
                if (u < cumulative) {
                    return k;
                }
            }
            return p.length - 1;
        }
    }
}
