package dev.optinfleet.core.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a classifier did on labelled samples: accuracy = correct / total, and the confusion matrix
 * {@code confusion[true][predicted]} [C, C] over the model's classes.
 *
 * @param labels    class names in index order (may be empty when the model names none)
 * @param correct   samples whose argmax logit is their label
 * @param total     samples, >= 1
 * @param confusion counts [C, C], rows by true class, columns by predicted class
 */
public record Accuracy(List<String> labels, int correct, int total, int[][] confusion) {

    public Accuracy {
        labels = List.copyOf(labels);
        if (total < 1 || correct < 0 || correct > total) {
            throw new IllegalArgumentException("need 0 <= correct <= total and total >= 1, got " + correct + " of "
                    + total);
        }
        confusion = copy(confusion);
    }

    /** Counts predictions against labels, both indices in [0, classes). */
    public static Accuracy of(List<String> labels, int classes, int[] predicted, int[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException(predicted.length + " predictions but " + truth.length + " labels");
        }
        int[][] confusion = new int[classes][classes];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] < 0 || truth[i] >= classes || predicted[i] < 0 || predicted[i] >= classes) {
                throw new IllegalArgumentException("sample " + i + ": label " + truth[i] + " or prediction "
                        + predicted[i] + " outside [0, " + classes + ")");
            }
            confusion[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) {
                correct++;
            }
        }
        return new Accuracy(labels, correct, truth.length, confusion);
    }

    /** correct / total. */
    public double value() {
        return (double) correct / total;
    }

    @Override
    public int[][] confusion() {
        return copy(confusion);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Accuracy a && labels.equals(a.labels) && correct == a.correct && total == a.total
                && Arrays.deepEquals(confusion, a.confusion);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * correct + total) + Arrays.deepHashCode(confusion);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Accuracy[%.4f = %d/%d]", value(), correct, total);
    }

    private static int[][] copy(int[][] a) {
        int[][] c = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
