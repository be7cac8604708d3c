package dev.optinfleet.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;

/**
 * Runs an encoder over many samples in batches and copies its sentence vectors or logits out of DJL.
 *
 * <p>For N samples: {@link #pooled} gives the pooled output [N, d] by the model config's pooling (the frozen
 * features a {@link LinearProbe} is trained on); {@link #logits} gives the classifier outputs [N, C] of a model
 * with a head. An optional {@link UnitMask} removes heads and neurons of a <em>dense</em> encoder; an encoder that
 * is already pruned (sliced) runs with no mask, and a mask for one is rejected.
 *
 * <p>Each batch of at most {@code batchSize} samples runs in its own scope manager, closed before the next; only
 * {@code float[][]} leaves. Texts are tokenised per batch and padded to the batch's longest; a {@link TokenBatch}
 * is cut into row ranges that keep its padded length. Sequences cut to the tokenizer's maximum length are counted
 * and logged once per call.
 *
 * <p>Holds no per-call state: one extractor may serve several threads when each passes its own encoder or the
 * encoder is shared read-only (see {@link Encoder}).
 */
public final class FeatureExtractor {
    /** Samples per forward pass unless configured. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private static final Logger LOG = LoggerFactory.getLogger(FeatureExtractor.class);

    private final TextTokenizer tokenizer;
    private final int batchSize;

    /**
     * @param tokenizer the model's tokenizer; may be null when only {@link TokenBatch}es are passed
     * @param batchSize samples per forward pass, >= 1
     */
    public FeatureExtractor(TextTokenizer tokenizer, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
        }
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
    }

    /** An extractor for already tokenised input only. */
    public static FeatureExtractor forTokenBatches(int batchSize) {
        return new FeatureExtractor(null, batchSize);
    }

    public int batchSize() {
        return batchSize;
    }

    /** Pooled sentence vectors [N, d] of the samples (labels ignored). */
    public float[][] pooled(Encoder encoder, UnitMask mask, LabelledSet samples) {
        return pooled(encoder, mask, samples.texts(), samples.pairs());
    }

    /**
     * Pooled sentence vectors [N, d].
     *
     * @param pairs second segments, null or of the texts' length with null entries for single texts
     */
    public float[][] pooled(Encoder encoder, UnitMask mask, List<String> texts, List<String> pairs) {
        return runTexts(encoder, mask, texts, pairs, false);
    }

    /** Pooled sentence vectors [B, d] of already tokenised sequences. */
    public float[][] pooled(Encoder encoder, UnitMask mask, TokenBatch tokens) {
        return runTokens(encoder, mask, tokens, false);
    }

    /** Classifier logits [N, C] of the samples (labels ignored). */
    public float[][] logits(Encoder encoder, UnitMask mask, LabelledSet samples) {
        return logits(encoder, mask, samples.texts(), samples.pairs());
    }

    /** Classifier logits [N, C]; the encoder must have a classification head. */
    public float[][] logits(Encoder encoder, UnitMask mask, List<String> texts, List<String> pairs) {
        requireHead(encoder);
        return runTexts(encoder, mask, texts, pairs, true);
    }

    /** Classifier logits [B, C] of already tokenised sequences. */
    public float[][] logits(Encoder encoder, UnitMask mask, TokenBatch tokens) {
        requireHead(encoder);
        return runTokens(encoder, mask, tokens, true);
    }

    private float[][] runTexts(Encoder encoder, UnitMask mask, List<String> texts, List<String> pairs,
                               boolean logits) {
        Objects.requireNonNull(texts, "texts");
        if (tokenizer == null) {
            throw new IllegalStateException("this feature extractor was made for token batches only; build it with"
                    + " the model's TextTokenizer to run texts");
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to run");
        }
        if (pairs != null && pairs.size() != texts.size()) {
            throw new IllegalArgumentException("text pairs need as many second texts as first, got " + texts.size()
                    + " and " + pairs.size());
        }
        checkMask(encoder, mask);
        float[][] out = new float[texts.size()][];
        int truncated = 0;
        for (int from = 0; from < texts.size(); from += batchSize) {
            int to = Math.min(texts.size(), from + batchSize);
            List<String> first = texts.subList(from, to);
            TokenBatch batch = pairs == null ? tokenizer.encode(first)
                    : tokenizer.encodeMixed(first, pairs.subList(from, to));
            truncated += batch.truncated();
            runBatch(encoder, mask, batch, logits, out, from);
        }
        if (truncated > 0) {
            LOG.warn("{} of {} samples were longer than {} tokens and were truncated", truncated, texts.size(),
                    tokenizer.maxLength());
        }
        return out;
    }

    private float[][] runTokens(Encoder encoder, UnitMask mask, TokenBatch tokens, boolean logits) {
        Objects.requireNonNull(tokens, "tokens");
        checkMask(encoder, mask);
        float[][] out = new float[tokens.size()][];
        for (int from = 0; from < tokens.size(); from += batchSize) {
            int to = Math.min(tokens.size(), from + batchSize);
            TokenBatch batch = from == 0 && to == tokens.size() ? tokens : tokens.rows(from, to);
            runBatch(encoder, mask, batch, logits, out, from);
        }
        return out;
    }

    /** One forward pass in its own scope; rows land in {@code out[offset ..]}. */
    private static void runBatch(Encoder encoder, UnitMask mask, TokenBatch batch, boolean logits, float[][] out,
                                 int offset) {
        try (NDManager scope = encoder.newScope()) {
            Gates gates = mask == null ? Gates.NONE : MaskGates.of(scope, encoder.config(), mask);
            EncoderOutput result = encoder.forward(scope, batch, gates, false);
            NDArray values = logits ? result.logits() : result.pooled();
            int width = (int) values.getShape().get(1);
            float[] flat = values.toFloatArray();
            for (int r = 0; r < batch.size(); r++) {
                float[] row = new float[width];
                System.arraycopy(flat, r * width, row, 0, width);
                out[offset + r] = row;
            }
        }
    }

    /** Rejects a mask that does not fit (or a pruned encoder) before any tokenising or forward pass. */
    private static void checkMask(Encoder encoder, UnitMask mask) {
        if (mask == null) {
            return;
        }
        ModelConfig c = encoder.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("a pruned encoder runs as it is, without a mask (" + mask + " given"
                    + " for " + c + "); pass null");
        }
        if (mask.layers() != c.numLayers() || mask.headsPerLayer() != c.numHeads()
                || mask.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException("mask of " + mask.layers() + " layers x " + mask.headsPerLayer()
                    + " heads x " + mask.neuronsPerLayer() + " neurons does not fit " + c);
        }
    }

    private static void requireHead(Encoder encoder) {
        if (!encoder.config().hasClassifier()) {
            throw new IllegalArgumentException("the model has no classification head (num_labels 0): " + encoder
                    + "; train a LinearProbe on its pooled features and attach it with LinearProbe.withHead");
        }
    }
}
