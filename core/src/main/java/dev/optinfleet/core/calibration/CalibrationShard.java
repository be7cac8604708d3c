package dev.optinfleet.core.calibration;

import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One shard of calibration data: texts, each with an optional second segment. Labels are never part of it.
 *
 * @param source where the shard came from (file or object URI), for messages and provenance
 * @param texts  first segments, at least one
 * @param pairs  second segments, same length as texts; an entry is null for a single-segment sample
 */
public record CalibrationShard(String source, List<String> texts, List<String> pairs) {

    public CalibrationShard {
        Objects.requireNonNull(source, "source");
        texts = List.copyOf(texts);
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration shard " + source + " has no samples");
        }
        if (pairs == null) {
            pairs = Collections.nCopies(texts.size(), null);
        }
        if (pairs.size() != texts.size()) {
            throw new IllegalArgumentException("calibration shard " + source + " has " + texts.size()
                    + " texts but " + pairs.size() + " pair entries");
        }
        pairs = Collections.unmodifiableList(new ArrayList<>(pairs));
    }

    public static CalibrationShard of(String source, List<String> texts) {
        return new CalibrationShard(source, texts, null);
    }

    public int size() {
        return texts.size();
    }

    /**
     * Tokenises the first {@code maxSamples} samples as one batch padded to its longest; texts longer than the
     * tokenizer's maximum are truncated and counted in {@link TokenBatch#truncated()}.
     */
    public TokenBatch tokenize(TextTokenizer tokenizer, int maxSamples) {
        CalibrationShard used = first(maxSamples);
        return tokenizer.encodeMixed(used.texts(), used.pairs());
    }

    /** The first {@code n} samples (or all, when there are fewer). */
    public CalibrationShard first(int n) {
        int k = Math.min(n, texts.size());
        return new CalibrationShard(source, texts.subList(0, k), pairs.subList(0, k));
    }
}
