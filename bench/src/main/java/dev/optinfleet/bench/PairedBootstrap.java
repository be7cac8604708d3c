package dev.optinfleet.bench;

import java.util.Random;

/**
 * How sure a difference in test accuracy between two scorers is. Both sources of chance are resampled: the test
 * texts (shared by both rows: a paired comparison, since both masks saw the same texts) and each row's calibration
 * draws (independent between rows). The percentile interval of (row - base) over the resamples.
 */
final class PairedBootstrap {
    static final int RESAMPLES = 4000;

    /** Mean difference in points and its 95% interval. */
    record Difference(double mean, double low, double high) {
        boolean significant() {
            return low > 0 || high < 0;
        }
    }

    private PairedBootstrap() {
    }

    static Difference difference(QualityRow row, QualityRow base, int budget, long seed) {
        int n = row.correct(0, budget).length;
        double observed = 100 * (row.meanTest(budget) - base.meanTest(budget));
        Random random = new Random(seed);
        double[] diffs = new double[RESAMPLES];
        int[] texts = new int[n];
        for (int r = 0; r < RESAMPLES; r++) {
            for (int i = 0; i < n; i++) {
                texts[i] = random.nextInt(n);
            }
            diffs[r] = 100 * (resampledAccuracy(row, budget, texts, random)
                    - resampledAccuracy(base, budget, texts, random));
        }
        java.util.Arrays.sort(diffs);
        return new Difference(observed, diffs[(int) (0.025 * RESAMPLES)], diffs[(int) (0.975 * RESAMPLES) - 1]);
    }

    private static double resampledAccuracy(QualityRow row, int budget, int[] texts, Random random) {
        int draws = row.draws();
        long correct = 0;
        for (int d = 0; d < draws; d++) {
            boolean[] c = row.correct(random.nextInt(draws), budget);
            for (int t : texts) {
                correct += c[t] ? 1 : 0;
            }
        }
        return correct / (double) (draws * texts.length);
    }
}
