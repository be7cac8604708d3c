package dev.optinfleet.core.testing;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/** Small random BERT checkpoints and token batches for tests that need no real model. */
public final class TinyModels {
    private TinyModels() {
    }

    /** 3 layers, 4 heads of 4, d = 16, F = 24, vocab 50, with a pooler and a 3-way classifier. */
    public static ModelConfig config() {
        return ModelConfig.dense("bert", 50, 16, 3, 4, 24, 32, 2, 1e-12, Pooling.POOLER, 3, List.of());
    }

    public static Checkpoint random(ModelConfig config, long seed) {
        return random(config, seed, UnaryOperator.identity());
    }

    /** Random weights (LayerNorm weights near 1), each tensor passed through {@code edit} before wrapping. */
    public static Checkpoint random(ModelConfig config, long seed, UnaryOperator<FloatTensor> edit) {
        Random rnd = new Random(seed);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(config, true).entrySet()) {
            long n = 1;
            for (long dim : e.getValue()) {
                n *= dim;
            }
            float[] data = new float[(int) n];
            boolean lnWeight = e.getKey().endsWith("LayerNorm.weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = lnWeight ? 1f + 0.1f * (float) rnd.nextGaussian() : 0.3f * (float) rnd.nextGaussian();
            }
            tensors.put(e.getKey(), edit.apply(new FloatTensor(e.getKey(), e.getValue(), data)));
        }
        return Checkpoint.of("random(seed=" + seed + ")", "tiny", config, tensors);
    }

    /** A batch of random token ids of different lengths (so that there is padding), first token 1. */
    public static TokenBatch batch(int size, int maxLen, int vocab, long seed) {
        Random rnd = new Random(seed);
        long[] ids = new long[size * maxLen];
        long[] types = new long[size * maxLen];
        long[] mask = new long[size * maxLen];
        for (int b = 0; b < size; b++) {
            int len = b == 0 ? maxLen : 2 + rnd.nextInt(maxLen - 1);
            for (int p = 0; p < len; p++) {
                ids[b * maxLen + p] = p == 0 ? 1 : 2 + rnd.nextInt(vocab - 2);
                types[b * maxLen + p] = p > len / 2 ? 1 : 0;
                mask[b * maxLen + p] = 1;
            }
        }
        return new TokenBatch(size, maxLen, ids, types, mask, 0);
    }
}
