package dev.optinfleet.bench;

import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.List;

/**
 * One scorer's results over the draws of the quality benchmark: per draw and budget the validation and test
 * accuracy, and which test texts the mask got right (for the paired comparison with the default).
 */
final class QualityRow {
    private final List<double[]> validation = new ArrayList<>();
    private final List<double[]> test = new ArrayList<>();
    private final List<boolean[][]> testCorrect = new ArrayList<>();
    private double seconds;

    /**
     * @param validation accuracy per budget on the validation split
     * @param correct    per budget, per test text: whether the mask's model predicted its label
     */
    void add(double scoringSeconds, double[] validation, boolean[][] correct) {
        seconds += scoringSeconds;
        this.validation.add(validation.clone());
        double[] acc = new double[correct.length];
        for (int b = 0; b < correct.length; b++) {
            acc[b] = accuracy(correct[b]);
        }
        test.add(acc);
        testCorrect.add(correct);
    }

    int draws() {
        return test.size();
    }

    double meanSeconds() {
        return seconds / draws();
    }

    double meanValidation(int budget) {
        return validation.stream().mapToDouble(a -> a[budget]).average().orElse(Double.NaN);
    }

    double meanTest(int budget) {
        return test.stream().mapToDouble(a -> a[budget]).average().orElse(Double.NaN);
    }

    boolean[] correct(int draw, int budget) {
        return testCorrect.get(draw)[budget];
    }

    /** " mean% (min-max) |" of one budget's test (or validation) accuracy over the draws. */
    String cell(int budget, boolean onValidation) {
        DoubleSummaryStatistics st = (onValidation ? validation : test).stream().mapToDouble(a -> 100 * a[budget])
                .summaryStatistics();
        return st.getMin() == st.getMax() ? String.format(" %.1f%% |", st.getAverage())
                : String.format(" %.1f%% (%.1f-%.1f) |", st.getAverage(), st.getMin(), st.getMax());
    }

    /** The fraction of texts a mask got right. */
    static double accuracy(boolean[] correct) {
        int n = 0;
        for (boolean c : correct) {
            n += c ? 1 : 0;
        }
        return n / (double) correct.length;
    }
}
