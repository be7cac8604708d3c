package dev.optinfleet.core.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Architecture of a BERT-family encoder, including pruned ones.
 *
 * <p>A dense model has {@code numHeads} heads of size {@code headDim = hiddenSize / numHeads} and
 * {@code intermediateSize} FFN neurons in every layer. A pruned model keeps {@code headsPerLayer[l] <= numHeads}
 * heads (of the same size) and {@code intermediatePerLayer[l] <= intermediateSize} neurons in layer l; a layer
 * with zero heads skips attention (its output bias and LayerNorm still apply, as in the masked model).
 *
 * <p>{@code numLabels == 0} means no classification head; otherwise {@code pooling} says how the classifier's
 * input is made and {@code labels} names the classes (may be empty).
 *
 * @param modelType          config.json {@code model_type}; only BERT-family types are accepted
 * @param vocabSize          rows of the word embedding
 * @param hiddenSize         d
 * @param numLayers          L
 * @param numHeads           H of the dense model
 * @param intermediateSize   F of the dense model
 * @param headsPerLayer      kept heads per layer, length L
 * @param intermediatePerLayer kept neurons per layer, length L
 * @param maxPositions       rows of the position embedding (longest input in tokens)
 * @param typeVocabSize      rows of the token-type embedding
 * @param layerNormEps       epsilon of every LayerNorm
 * @param pooling            sentence pooling for the classifier
 * @param numLabels          classifier outputs, 0 without a head
 * @param labels             class names, empty or of length numLabels
 */
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int[] headsPerLayer,
        int[] intermediatePerLayer,
        int maxPositions,
        int typeVocabSize,
        double layerNormEps,
        Pooling pooling,
        int numLabels,
        List<String> labels) {

    /** model_type values whose weights follow BERT's layout (post-LN encoder, GELU FFN, learned positions). */
    public static final List<String> SUPPORTED_MODEL_TYPES = List.of("bert");

    public ModelConfig {
        Objects.requireNonNull(modelType, "modelType");
        if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; supported: "
                    + SUPPORTED_MODEL_TYPES);
        }
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositions);
        positive("type_vocab_size", typeVocabSize);
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numHeads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, was " + layerNormEps);
        }
        headsPerLayer = checkPerLayer("heads_per_layer", headsPerLayer, numLayers, numHeads);
        intermediatePerLayer = checkPerLayer("intermediate_sizes", intermediatePerLayer, numLayers, intermediateSize);
        if (numLabels < 0) {
            throw new IllegalArgumentException("num_labels must be >= 0, was " + numLabels);
        }
        Objects.requireNonNull(pooling, "pooling");
        labels = List.copyOf(labels == null ? List.of() : labels);
        if (!labels.isEmpty() && labels.size() != numLabels) {
            throw new IllegalArgumentException("id2label has " + labels.size() + " entries but num_labels is "
                    + numLabels);
        }
    }

    /** A dense model: every layer has all heads and neurons. */
    public static ModelConfig dense(String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                                    int intermediateSize, int maxPositions, int typeVocabSize, double layerNormEps,
                                    Pooling pooling, int numLabels, List<String> labels) {
        int[] heads = new int[numLayers];
        int[] neurons = new int[numLayers];
        Arrays.fill(heads, numHeads);
        Arrays.fill(neurons, intermediateSize);
        return new ModelConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, heads,
                neurons, maxPositions, typeVocabSize, layerNormEps, pooling, numLabels, labels);
    }

    /** d_h = d / H. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Kept heads per layer (a copy). */
    @Override
    public int[] headsPerLayer() {
        return headsPerLayer.clone();
    }

    /** Kept FFN neurons per layer (a copy). */
    @Override
    public int[] intermediatePerLayer() {
        return intermediatePerLayer.clone();
    }

    public int headsIn(int layer) {
        return headsPerLayer[layer];
    }

    public int neuronsIn(int layer) {
        return intermediatePerLayer[layer];
    }

    public boolean hasClassifier() {
        return numLabels > 0;
    }

    /** True when some layer has fewer heads or neurons than the dense architecture. */
    public boolean isPruned() {
        for (int l = 0; l < numLayers; l++) {
            if (headsPerLayer[l] != numHeads || intermediatePerLayer[l] != intermediateSize) {
                return true;
            }
        }
        return false;
    }

    /** The same architecture with other per-layer head and neuron counts (for a sliced model). */
    public ModelConfig withKept(int[] heads, int[] neurons) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, heads, neurons,
                maxPositions, typeVocabSize, layerNormEps, pooling, numLabels, labels);
    }

    /** The same model with another classifier pooling (e.g. a head trained on mean-pooled features). */
    public ModelConfig withHead(Pooling newPooling, int newNumLabels, List<String> newLabels) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, headsPerLayer,
                intermediatePerLayer, maxPositions, typeVocabSize, layerNormEps, newPooling, newNumLabels, newLabels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c
                && modelType.equals(c.modelType) && vocabSize == c.vocabSize && hiddenSize == c.hiddenSize
                && numLayers == c.numLayers && numHeads == c.numHeads && intermediateSize == c.intermediateSize
                && Arrays.equals(headsPerLayer, c.headsPerLayer)
                && Arrays.equals(intermediatePerLayer, c.intermediatePerLayer)
                && maxPositions == c.maxPositions && typeVocabSize == c.typeVocabSize
                && Double.compare(layerNormEps, c.layerNormEps) == 0 && pooling == c.pooling
                && numLabels == c.numLabels && labels.equals(c.labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelType, hiddenSize, numLayers, numHeads, intermediateSize,
                Arrays.hashCode(headsPerLayer), Arrays.hashCode(intermediatePerLayer), pooling, numLabels);
    }

    @Override
    public String toString() {
        return "ModelConfig[" + modelType + ", L=" + numLayers + ", d=" + hiddenSize + ", H=" + numHeads + ", F="
                + intermediateSize + ", heads=" + Arrays.toString(headsPerLayer) + ", neurons="
                + Arrays.toString(intermediatePerLayer) + ", pooling=" + pooling + ", labels=" + numLabels + "]";
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, was " + value);
        }
    }

    private static int[] checkPerLayer(String key, int[] values, int layers, int max) {
        Objects.requireNonNull(values, key);
        if (values.length != layers) {
            throw new IllegalArgumentException(key + " has " + values.length + " entries but num_hidden_layers is "
                    + layers);
        }
        for (int l = 0; l < layers; l++) {
            if (values[l] < 0 || values[l] > max) {
                throw new IllegalArgumentException(key + "[" + l + "] must be in [0, " + max + "], was " + values[l]);
            }
        }
        return values.clone();
    }
}
