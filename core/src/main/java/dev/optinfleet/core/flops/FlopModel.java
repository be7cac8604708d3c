package dev.optinfleet.core.flops;

import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;

import java.util.Objects;

/**
 * Cost model of a BERT-family encoder in multiply-accumulates (MACs) per sequence of s tokens, and its parameter
 * counts (optin.md, "FLOP model"; the same model as OPTIN's and Kwon et al.'s released code).
 *
 * <p>With d = hidden size, H heads of size d_h = d / H, F neurons per layer and L layers:
 * <pre>
 *   one head        4·s·d·d_h + 2·s²·d_h   (Q, K, V and output projection; scores QKᵀ and context AV)
 *   one FFN neuron  2·s·d                  (one row of the first FFN linear, one column of the second)
 *   prunable        Σ_l (kept heads_l · head + kept neurons_l · neuron)
 * </pre>
 * A budget C in (0, 1] is the fraction of the dense prunable cost L·H·head + L·F·neuron to keep.
 *
 * <p>Non-prunable MACs, reported separately and unchanged by pruning: each of the 2·L + 1 LayerNorms costs 2·s·d
 * (the sum of squares for the variance and the affine γ·x̂ + β; means and subtractions are not counted); the pooler
 * d·d on the first token, counted when it runs (the model has one and either the classifier reads it or there is no
 * classifier); the classifier d·numLabels on the pooled vector. Embedding lookups, bias and residual additions,
 * softmax and GELU are additions or elementwise functions, not MACs, and are not counted.
 *
 * <p>Parameters (matching {@link dev.optinfleet.core.model.TensorLayout}): one head owns 4·d·d_h + 3·d_h (Q, K, V
 * rows with their biases and output-projection columns), one neuron 2·d + 1 (a row of the first FFN linear with its
 * bias and a column of the second). The rest, (vocab + positions + token types)·d + 2·d for the embeddings,
 * 6·d per layer (two output biases, two LayerNorms), d·d + d for a pooler and numLabels·(d + 1) for a classifier,
 * is not prunable.
 *
 * <p>s is the mean non-padding length of the calibration samples ({@link #fromLengths}) or set explicitly
 * ({@link #of}); it need not be an integer (e.g. 39.05 for MNLI). Immutable and thread-safe.
 */
public final class FlopModel {
    private final ModelConfig config;
    private final double tokensPerSequence;
    private final boolean hasPooler;

    private FlopModel(ModelConfig config, double tokensPerSequence, boolean hasPooler) {
        this.config = Objects.requireNonNull(config, "config");
        if (!(tokensPerSequence > 0 && Double.isFinite(tokensPerSequence))) {
            throw new IllegalArgumentException("tokens_per_sequence must be finite and > 0, was "
                    + tokensPerSequence);
        }
        this.tokensPerSequence = tokensPerSequence;
        this.hasPooler = hasPooler;
    }

    /**
     * The cost model of {@code config}'s dense architecture (its {@code numHeads} and {@code intermediateSize};
     * per-layer counts of a pruned config are ignored here, see {@link #report(ModelConfig)}) at s tokens per
     * sequence. The model is taken to have a pooler exactly when its classifier uses one.
     */
    public static FlopModel of(ModelConfig config, double tokensPerSequence) {
        return new FlopModel(config, tokensPerSequence, usesPooler(config));
    }

    /**
     * As {@link #of(ModelConfig, double)}, saying whether the checkpoint holds pooler weights (e.g.
     * {@code Checkpoint.hasPooler()}), so parameter counts match the checkpoint's.
     */
    public static FlopModel of(ModelConfig config, double tokensPerSequence, boolean hasPooler) {
        return new FlopModel(config, tokensPerSequence, hasPooler);
    }

    /** s = the mean of the per-sample non-padding token counts ({@link #meanLength}). */
    public static FlopModel fromLengths(ModelConfig config, int[] tokenLengths) {
        return of(config, meanLength(config, tokenLengths));
    }

    /** As {@link #fromLengths(ModelConfig, int[])}, with the pooler stated. */
    public static FlopModel fromLengths(ModelConfig config, int[] tokenLengths, boolean hasPooler) {
        return of(config, meanLength(config, tokenLengths), hasPooler);
    }

    /**
     * Mean of per-sample token counts (special tokens included, padding excluded), each in [1, maxPositions].
     *
     * @throws IllegalArgumentException when there is no sample or a count is out of range, naming its index
     */
    public static double meanLength(ModelConfig config, int[] tokenLengths) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tokenLengths, "tokenLengths");
        if (tokenLengths.length == 0) {
            throw new IllegalArgumentException("token lengths must not be empty: s is the mean calibration length");
        }
        long sum = 0;
        for (int i = 0; i < tokenLengths.length; i++) {
            if (tokenLengths[i] < 1 || tokenLengths[i] > config.maxPositions()) {
                throw new IllegalArgumentException("token length [" + i + "] must be in [1, "
                        + config.maxPositions() + "], was " + tokenLengths[i]);
            }
            sum += tokenLengths[i];
        }
        return (double) sum / tokenLengths.length;
    }

    /** The same model at another s. */
    public FlopModel withTokensPerSequence(double s) {
        return new FlopModel(config, s, hasPooler);
    }

    public ModelConfig config() {
        return config;
    }

    /** s. */
    public double tokensPerSequence() {
        return tokensPerSequence;
    }

    public boolean hasPooler() {
        return hasPooler;
    }

    /** 4·s·d·d_h + 2·s²·d_h. */
    public double headMacs() {
        double s = tokensPerSequence;
        double d = config.hiddenSize();
        double dh = config.headDim();
        return 4 * s * d * dh + 2 * s * s * dh;
    }

    /** 2·s·d. */
    public double neuronMacs() {
        return 2 * tokensPerSequence * config.hiddenSize();
    }

    /** MACs of {@code heads} heads and {@code neurons} neurons: heads·headMacs + neurons·neuronMacs. */
    public double prunableMacs(long heads, long neurons) {
        if (heads < 0 || neurons < 0) {
            throw new IllegalArgumentException("unit counts must be >= 0, were " + heads + " heads and " + neurons
                    + " neurons");
        }
        return heads * headMacs() + neurons * neuronMacs();
    }

    /** Prunable MACs of the dense model: L·H·headMacs + L·F·neuronMacs. */
    public double densePrunableMacs() {
        return prunableMacs(totalHeads(), totalNeurons());
    }

    /** Prunable MACs of the units a mask keeps. */
    public double prunableMacs(UnitMask mask) {
        checkShape(mask);
        return prunableMacs(mask.keptHeadCount(), mask.keptNeuronCount());
    }

    /** Prunable MACs of per-layer kept counts (each of length L, within [0, H] and [0, F]). */
    public double prunableMacs(int[] headsPerLayer, int[] neuronsPerLayer) {
        return prunableMacs(sumChecked("heads_per_layer", headsPerLayer, config.numHeads()),
                sumChecked("neurons_per_layer", neuronsPerLayer, config.intermediateSize()));
    }

    /** MACs no mask changes: (2L + 1) LayerNorms of 2·s·d, the pooler d·d when it runs, the classifier d·labels. */
    public double nonPrunableMacs() {
        double d = config.hiddenSize();
        double layerNorms = (2.0 * config.numLayers() + 1) * 2 * tokensPerSequence * d;
        double pooler = poolerRuns() ? d * d : 0;
        double classifier = d * config.numLabels();
        return layerNorms + pooler + classifier;
    }

    /** Parameters of one head: 4·d·d_h + 3·d_h. */
    public long headParams() {
        long d = config.hiddenSize();
        long dh = config.headDim();
        return 4 * d * dh + 3 * dh;
    }

    /** Parameters of one neuron: 2·d + 1. */
    public long neuronParams() {
        return 2L * config.hiddenSize() + 1;
    }

    /** Parameters that pruning never removes: embeddings, biases and LayerNorms of each layer, pooler, classifier. */
    public long nonPrunableParams() {
        long d = config.hiddenSize();
        long embeddings = ((long) config.vocabSize() + config.maxPositions() + config.typeVocabSize()) * d + 2 * d;
        long layers = 6 * d * config.numLayers();
        long pooler = hasPooler ? d * d + d : 0;
        long classifier = (long) config.numLabels() * (d + 1);
        return embeddings + layers + pooler + classifier;
    }

    /** Parameters with {@code heads} heads and {@code neurons} neurons kept (removed units sliced away). */
    public long params(long heads, long neurons) {
        return nonPrunableParams() + heads * headParams() + neurons * neuronParams();
    }

    /** Parameters of the dense model. */
    public long denseParams() {
        return params(totalHeads(), totalNeurons());
    }

    /** L·H. */
    public int totalHeads() {
        return config.numLayers() * config.numHeads();
    }

    /** L·F. */
    public int totalNeurons() {
        return config.numLayers() * config.intermediateSize();
    }

    /** The full accounting of a mask over this model's dense architecture. */
    public FlopReport report(UnitMask mask) {
        checkShape(mask);
        return report(mask.keptHeadCount(), mask.keptNeuronCount());
    }

    /** The full accounting of per-layer kept counts. */
    public FlopReport report(int[] headsPerLayer, int[] neuronsPerLayer) {
        return report(sumChecked("heads_per_layer", headsPerLayer, config.numHeads()),
                sumChecked("neurons_per_layer", neuronsPerLayer, config.intermediateSize()));
    }

    /**
     * The full accounting of a (sliced) config of the same architecture, from its per-layer kept counts.
     *
     * @throws IllegalArgumentException when its dense dimensions differ from this model's
     */
    public FlopReport report(ModelConfig pruned) {
        Objects.requireNonNull(pruned, "pruned");
        if (pruned.numLayers() != config.numLayers() || pruned.numHeads() != config.numHeads()
                || pruned.intermediateSize() != config.intermediateSize()
                || pruned.hiddenSize() != config.hiddenSize()) {
            throw new IllegalArgumentException("config " + pruned + " is not a pruning of " + config);
        }
        return report(pruned.headsPerLayer(), pruned.intermediatePerLayer());
    }

    private FlopReport report(int keptHeads, int keptNeurons) {
        return new FlopReport(tokensPerSequence, headMacs(), neuronMacs(), keptHeads, totalHeads(), keptNeurons,
                totalNeurons(), densePrunableMacs(), prunableMacs(keptHeads, keptNeurons), nonPrunableMacs(),
                denseParams(), params(keptHeads, keptNeurons));
    }

    private boolean poolerRuns() {
        return hasPooler && (!config.hasClassifier() || config.pooling() == Pooling.POOLER);
    }

    private static boolean usesPooler(ModelConfig config) {
        return config.hasClassifier() && config.pooling() == Pooling.POOLER;
    }

    private void checkShape(UnitMask mask) {
        Objects.requireNonNull(mask, "mask");
        if (mask.layers() != config.numLayers() || mask.headsPerLayer() != config.numHeads()
                || mask.neuronsPerLayer() != config.intermediateSize()) {
            throw new IllegalArgumentException("mask is " + mask.layers() + " x " + mask.headsPerLayer()
                    + " heads, " + mask.layers() + " x " + mask.neuronsPerLayer() + " neurons but the model has "
                    + config.numLayers() + " x " + config.numHeads() + " heads, " + config.numLayers() + " x "
                    + config.intermediateSize() + " neurons");
        }
    }

    private int sumChecked(String field, int[] perLayer, int max) {
        Objects.requireNonNull(perLayer, field);
        if (perLayer.length != config.numLayers()) {
            throw new IllegalArgumentException(field + " has " + perLayer.length + " entries but the model has "
                    + config.numLayers() + " layers");
        }
        int sum = 0;
        for (int l = 0; l < perLayer.length; l++) {
            if (perLayer[l] < 0 || perLayer[l] > max) {
                throw new IllegalArgumentException(field + "[" + l + "] must be in [0, " + max + "], was "
                        + perLayer[l]);
            }
            sum += perLayer[l];
        }
        return sum;
    }

    @Override
    public String toString() {
        return "FlopModel[s=" + tokensPerSequence + ", head=" + headMacs() + " MAC, neuron=" + neuronMacs()
                + " MAC, " + config + "]";
    }
}
