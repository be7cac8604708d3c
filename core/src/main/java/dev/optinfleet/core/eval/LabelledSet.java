package dev.optinfleet.core.eval;

import dev.optinfleet.core.calibration.CalibrationShard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Evaluation samples: N texts, each with an optional second segment, and either a class name per sample (a
 * labelled set, for accuracy) or none at all (an unlabelled set, for agreement between two models).
 *
 * @param source where the samples came from, for messages
 * @param texts  first segments, N >= 1
 * @param pairs  second segments, length N; an entry is null for a single-segment sample
 * @param labels class names, length N, or empty for an unlabelled set
 */
public record LabelledSet(String source, List<String> texts, List<String> pairs, List<String> labels) {

    public LabelledSet {
        Objects.requireNonNull(source, "source");
        texts = List.copyOf(texts);
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("sample set " + source + " has no samples");
        }
        if (pairs == null) {
            pairs = Collections.nCopies(texts.size(), null);
        }
        if (pairs.size() != texts.size()) {
            throw new IllegalArgumentException("sample set " + source + " has " + texts.size() + " texts but "
                    + pairs.size() + " pair entries");
        }
        pairs = Collections.unmodifiableList(new ArrayList<>(pairs));
        labels = List.copyOf(labels == null ? List.of() : labels);
        if (!labels.isEmpty() && labels.size() != texts.size()) {
            throw new IllegalArgumentException("sample set " + source + " has " + texts.size() + " texts but "
                    + labels.size() + " labels");
        }
    }

    /** Single-segment texts with their labels. */
    public static LabelledSet of(String source, List<String> texts, List<String> labels) {
        return new LabelledSet(source, texts, null, labels);
    }

    /** Single-segment texts without labels. */
    public static LabelledSet unlabelled(String source, List<String> texts) {
        return new LabelledSet(source, texts, null, List.of());
    }

    public int size() {
        return texts.size();
    }

    public boolean isLabelled() {
        return !labels.isEmpty();
    }

    public boolean hasPairs() {
        return pairs.stream().anyMatch(Objects::nonNull);
    }

    /** The distinct class names, sorted: a stable class order for a probe trained on this set. */
    public List<String> labelNames() {
        requireLabels();
        return List.copyOf(new TreeSet<>(labels));
    }

    /**
     * Each sample's class as an index into {@code classes}.
     *
     * @throws IllegalArgumentException naming the first label that {@code classes} lacks
     */
    public int[] labelIndices(List<String> classes) {
        requireLabels();
        int[] out = new int[labels.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = classes.indexOf(labels.get(i));
            if (out[i] < 0) {
                throw new IllegalArgumentException("sample " + i + " of " + source + " has label '" + labels.get(i)
                        + "', which is not one of the model's labels " + classes);
            }
        }
        return out;
    }

    /** The first {@code n} samples (or all, when there are fewer). */
    public LabelledSet first(int n) {
        int k = Math.min(n, texts.size());
        return new LabelledSet(source, texts.subList(0, k), pairs.subList(0, k),
                labels.isEmpty() ? List.of() : labels.subList(0, k));
    }

    /** The texts as a calibration shard; labels are dropped. */
    public CalibrationShard toShard() {
        return new CalibrationShard(source, texts, pairs);
    }

    private void requireLabels() {
        if (labels.isEmpty()) {
            throw new IllegalStateException("sample set " + source + " has no labels; accuracy and probes need"
                    + " a \"label\" on every line, agreement does not");
        }
    }
}
