package dev.optinfleet.core.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The checkpoint's own tokenizer.json, through DJL's Hugging Face tokenizers binding. Batches are padded to their
 * longest sequence; sequences longer than {@code maxLength} tokens are truncated and counted in
 * {@link TokenBatch#truncated()}, so callers can warn rather than fail.
 *
 * <p>Thread-safe: the native tokenizer is immutable once built.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final Path source;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, Path source) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.source = source;
    }

    /**
     * Loads a tokenizer.json.
     *
     * @param maxLength longest sequence in tokens, special tokens included (the model's max_position_embeddings)
     * @throws CheckpointFormatException naming the file when it is missing, empty or not a tokenizer
     */
    public static TextTokenizer load(Path tokenizerJson, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be >= 2, was " + maxLength);
        }
        String source = tokenizerJson.toString();
        try {
            if (!Files.isRegularFile(tokenizerJson)) {
                throw new CheckpointFormatException(source, null, "tokenizer file does not exist");
            }
            if (Files.size(tokenizerJson) == 0) {
                throw new CheckpointFormatException(source, null, "tokenizer file is empty");
            }
        } catch (IOException e) {
            throw new CheckpointFormatException(source, null, "tokenizer file is unreadable: " + e.getMessage(), e);
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "padding", "true",
                    "truncation", "true",
                    "maxLength", Integer.toString(maxLength),
                    "addSpecialTokens", "true"));
            return new TextTokenizer(t, maxLength, tokenizerJson);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointFormatException(source, null, "not a Hugging Face tokenizer.json: " + e.getMessage(),
                    e);
        }
    }

    public int maxLength() {
        return maxLength;
    }

    /** The same tokenizer.json cutting sequences at {@code tokens} instead; a new instance the caller closes. */
    public TextTokenizer limitedTo(int tokens) {
        return load(source, tokens);
    }

    /** Tokenises single texts. */
    public TokenBatch encode(List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("cannot tokenise an empty list of texts");
        }
        return toBatch(tokenizer.batchEncode(texts));
    }

    /** Tokenises text pairs (segment A, segment B); token-type ids mark the second segment. */
    public TokenBatch encodePairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("text pairs need as many second texts as first, got " + first.size()
                    + " and " + second.size());
        }
        if (first.isEmpty()) {
            throw new IllegalArgumentException("cannot tokenise an empty list of texts");
        }
        return toBatch(tokenizer.batchEncode(new PairList<>(first, second)));
    }

    /** Mixed batch: pair entries where {@code second.get(i) != null}, single texts elsewhere. */
    public TokenBatch encodeMixed(List<String> first, List<String> second) {
        boolean anyPair = second.stream().anyMatch(s -> s != null);
        if (!anyPair) {
            return encode(first);
        }
        Encoding[] enc = new Encoding[first.size()];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = second.get(i) == null ? tokenizer.encode(first.get(i)) : tokenizer.encode(first.get(i),
                    second.get(i));
        }
        return toBatch(enc);
    }

    private TokenBatch toBatch(Encoding[] enc) {
        int b = enc.length;
        int s = 0;
        int truncated = 0;
        for (Encoding e : enc) {
            s = Math.max(s, e.getIds().length);
            if (e.exceedMaxLength()) {
                truncated++;
            }
        }
        long[] ids = new long[b * s];
        long[] types = new long[b * s];
        long[] mask = new long[b * s];
        for (int i = 0; i < b; i++) {
            long[] eid = enc[i].getIds();
            long[] etype = enc[i].getTypeIds();
            long[] emask = enc[i].getAttentionMask();
            System.arraycopy(eid, 0, ids, i * s, eid.length);
            System.arraycopy(etype, 0, types, i * s, etype.length);
            System.arraycopy(emask, 0, mask, i * s, emask.length);
        }
        return new TokenBatch(b, s, ids, types, mask, truncated);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
