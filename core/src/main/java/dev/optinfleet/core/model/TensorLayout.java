package dev.optinfleet.core.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a BERT-family checkpoint of a given {@link ModelConfig} must hold, with their Hugging Face shapes
 * (linear weights [out, in]). One place that readers validate against, writers and the slicer produce, and the
 * encoder consumes.
 *
 * <p>Pruned layers: with h_l kept heads the Q/K/V weights are [h_l·d_h, d] and the output projection is
 * [d, h_l·d_h]; with f_l kept neurons the FFN weights are [f_l, d] and [d, f_l]. A layer with no head keeps only
 * the attention output bias and LayerNorm (the masked model still adds that bias); a layer with no neuron keeps
 * only the FFN output bias and LayerNorm.
 */
public final class TensorLayout {

    private TensorLayout() {
    }

    /** Expected name to shape, in a stable order (embeddings, layers, pooler, classifier). */
    public static Map<String, long[]> expected(ModelConfig c, boolean withPooler) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.hiddenSize();
        m.put(TensorNames.WORD_EMBEDDINGS, new long[] {c.vocabSize(), d});
        m.put(TensorNames.POSITION_EMBEDDINGS, new long[] {c.maxPositions(), d});
        m.put(TensorNames.TOKEN_TYPE_EMBEDDINGS, new long[] {c.typeVocabSize(), d});
        m.put(TensorNames.EMBEDDINGS_LN_WEIGHT, new long[] {d});
        m.put(TensorNames.EMBEDDINGS_LN_BIAS, new long[] {d});
        for (int l = 0; l < c.numLayers(); l++) {
            long inner = (long) c.headsIn(l) * c.headDim();
            long f = c.neuronsIn(l);
            if (inner > 0) {
                m.put(TensorNames.query(l, "weight"), new long[] {inner, d});
                m.put(TensorNames.query(l, "bias"), new long[] {inner});
                m.put(TensorNames.key(l, "weight"), new long[] {inner, d});
                m.put(TensorNames.key(l, "bias"), new long[] {inner});
                m.put(TensorNames.value(l, "weight"), new long[] {inner, d});
                m.put(TensorNames.value(l, "bias"), new long[] {inner});
                m.put(TensorNames.attentionOutput(l, "weight"), new long[] {d, inner});
            }
            m.put(TensorNames.attentionOutput(l, "bias"), new long[] {d});
            m.put(TensorNames.attentionLayerNorm(l, "weight"), new long[] {d});
            m.put(TensorNames.attentionLayerNorm(l, "bias"), new long[] {d});
            if (f > 0) {
                m.put(TensorNames.intermediate(l, "weight"), new long[] {f, d});
                m.put(TensorNames.intermediate(l, "bias"), new long[] {f});
                m.put(TensorNames.output(l, "weight"), new long[] {d, f});
            }
            m.put(TensorNames.output(l, "bias"), new long[] {d});
            m.put(TensorNames.outputLayerNorm(l, "weight"), new long[] {d});
            m.put(TensorNames.outputLayerNorm(l, "bias"), new long[] {d});
        }
        if (withPooler) {
            m.put(TensorNames.POOLER_WEIGHT, new long[] {d, d});
            m.put(TensorNames.POOLER_BIAS, new long[] {d});
        }
        if (c.hasClassifier()) {
            m.put(TensorNames.CLASSIFIER_WEIGHT, new long[] {c.numLabels(), d});
            m.put(TensorNames.CLASSIFIER_BIAS, new long[] {c.numLabels()});
        }
        return m;
    }
}
