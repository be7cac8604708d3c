package dev.optinfleet.core.model;

/**
 * Hugging Face BERT tensor names, without the optional {@code bert.} prefix. Linear weights are stored by
 * Hugging Face as [out, in]; {@link TransformerWeights} keeps them as [in, out] so that activations multiply
 * from the left.
 */
public final class TensorNames {
    public static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";
    public static final String POSITION_EMBEDDINGS = "embeddings.position_embeddings.weight";
    public static final String TOKEN_TYPE_EMBEDDINGS = "embeddings.token_type_embeddings.weight";
    public static final String EMBEDDINGS_LN_WEIGHT = "embeddings.LayerNorm.weight";
    public static final String EMBEDDINGS_LN_BIAS = "embeddings.LayerNorm.bias";
    public static final String POOLER_WEIGHT = "pooler.dense.weight";
    public static final String POOLER_BIAS = "pooler.dense.bias";
    public static final String CLASSIFIER_WEIGHT = "classifier.weight";
    public static final String CLASSIFIER_BIAS = "classifier.bias";

    private TensorNames() {
    }

    public static String layer(int l, String suffix) {
        return "encoder.layer." + l + "." + suffix;
    }

    public static String query(int l, String param) {
        return layer(l, "attention.self.query." + param);
    }

    public static String key(int l, String param) {
        return layer(l, "attention.self.key." + param);
    }

    public static String value(int l, String param) {
        return layer(l, "attention.self.value." + param);
    }

    public static String attentionOutput(int l, String param) {
        return layer(l, "attention.output.dense." + param);
    }

    public static String attentionLayerNorm(int l, String param) {
        return layer(l, "attention.output.LayerNorm." + param);
    }

    public static String intermediate(int l, String param) {
        return layer(l, "intermediate.dense." + param);
    }

    public static String output(int l, String param) {
        return layer(l, "output.dense." + param);
    }

    public static String outputLayerNorm(int l, String param) {
        return layer(l, "output.LayerNorm." + param);
    }

    /** Drops a leading {@code bert.} so that prefixed and plain checkpoints share one namespace. */
    public static String canonical(String name) {
        return name.startsWith("bert.") ? name.substring("bert.".length()) : name;
    }
}
