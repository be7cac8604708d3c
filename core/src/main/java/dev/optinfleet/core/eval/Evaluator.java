package dev.optinfleet.core.eval;

import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.List;
import java.util.Objects;

/**
 * Quality of a classifier model (an encoder with a head, e.g. one made by {@link LinearProbe#withHead}), dense
 * with an optional {@link UnitMask} or already pruned:
 * <ul>
 *   <li>prediction = argmax_c logits[n, c] (ties to the lower class index);</li>
 *   <li>accuracy on labelled samples, each label mapped to a class index by name through the model config's
 *       labels;</li>
 *   <li>agreement of two models = (1/N) Σ_n [pred_a(n) == pred_b(n)] on any samples, labelled or not: how much
 *       of the dense model's behaviour a pruned one keeps, without needing labels.</li>
 * </ul>
 * Batching and DJL scopes are the {@link FeatureExtractor}'s; results are plain Java.
 */
public final class Evaluator {
    private final FeatureExtractor extractor;

    public Evaluator(FeatureExtractor extractor) {
        this.extractor = Objects.requireNonNull(extractor, "extractor");
    }

    /** Predicted class per sample [N]. */
    public int[] predict(Encoder encoder, UnitMask mask, LabelledSet samples) {
        return argmax(extractor.logits(encoder, mask, samples));
    }

    /** Predicted class per sequence [B]. */
    public int[] predict(Encoder encoder, UnitMask mask, TokenBatch tokens) {
        return argmax(extractor.logits(encoder, mask, tokens));
    }

    /**
     * Accuracy on a labelled set; labels are matched by name against the model's {@code labels}.
     *
     * @throws IllegalArgumentException when the model names no labels or lacks one of the set's labels
     */
    public Accuracy accuracy(Encoder encoder, UnitMask mask, LabelledSet samples) {
        ModelConfig c = encoder.config();
        if (c.labels().isEmpty()) {
            throw new IllegalArgumentException("the model's head names no labels (id2label), so the labels of "
                    + samples.source() + " cannot be matched; attach the head with LinearProbe.withHead(..., labels)");
        }
        int[] truth = samples.labelIndices(c.labels());
        return Accuracy.of(c.labels(), c.numLabels(), predict(encoder, mask, samples), truth);
    }

    /** Accuracy on tokenised sequences with class indices [B]. */
    public Accuracy accuracy(Encoder encoder, UnitMask mask, TokenBatch tokens, int[] labels) {
        if (labels.length != tokens.size()) {
            throw new IllegalArgumentException(tokens.size() + " sequences but " + labels.length + " labels");
        }
        ModelConfig c = encoder.config();
        return Accuracy.of(c.labels(), c.numLabels(), predict(encoder, mask, tokens), labels);
    }

    /** Fraction of samples on which two models predict the same class; labels, if any, are ignored. */
    public double agreement(Encoder a, UnitMask maskA, Encoder b, UnitMask maskB, LabelledSet samples) {
        checkComparable(a, b);
        return agreement(predict(a, maskA, samples), predict(b, maskB, samples));
    }

    /** Fraction of sequences on which two models predict the same class. */
    public double agreement(Encoder a, UnitMask maskA, Encoder b, UnitMask maskB, TokenBatch tokens) {
        checkComparable(a, b);
        return agreement(predict(a, maskA, tokens), predict(b, maskB, tokens));
    }

    /** (1/N) Σ [a_n == b_n]. */
    public static double agreement(int[] a, int[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("agreement needs two equally long, non-empty prediction lists, got "
                    + a.length + " and " + b.length);
        }
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        return (double) same / a.length;
    }

    /** Row-wise argmax of logits [N, C]; ties go to the lower index. */
    public static int[] argmax(float[][] logits) {
        int[] out = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            float[] row = logits[i];
            int best = 0;
            for (int c = 1; c < row.length; c++) {
                if (row[c] > row[best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private static void checkComparable(Encoder a, Encoder b) {
        ModelConfig ca = a.config();
        ModelConfig cb = b.config();
        if (ca.numLabels() != cb.numLabels()) {
            throw new IllegalArgumentException("models with " + ca.numLabels() + " and " + cb.numLabels()
                    + " classes cannot be compared");
        }
        List<String> la = ca.labels();
        List<String> lb = cb.labels();
        if (!la.isEmpty() && !lb.isEmpty() && !la.equals(lb)) {
            throw new IllegalArgumentException("models name their classes differently: " + la + " and " + lb
                    + "; agreement compares class indices, so the order must match");
        }
    }
}
