package dev.optinfleet.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The quality benchmark's tables: test accuracy per scorer and budget, the same on validation, the default that
 * validation picks, and every scorer's test accuracy against the product's default with a 95% interval.
 */
final class QualityReport {
    private QualityReport() {
    }

    /**
     * @param defaultRow the product's default scorer (the row the others are compared with)
     * @param baselines  rows that are references, not candidates for the default
     */
    static void print(Map<String, QualityRow> rows, double[] budgets, int draws, String defaultRow,
                      List<String> baselines) {
        System.out.println();
        System.out.printf("Test accuracy of the sliced model per kept fraction of prunable FLOPs; mean over %d"
                + " calibration draws (min-max):%n%n", draws);
        System.out.print(table(rows, budgets, false));
        System.out.printf("%nValidation accuracy (the split choices are made on), mean over draws (min-max):%n%n");
        System.out.print(table(rows, budgets, true));

        List<String> candidates = rows.keySet().stream().filter(k -> !baselines.contains(k)).toList();
        System.out.printf("%nOn validation, per budget: the best scorer, and every candidate's largest shortfall"
                + " from the best over budgets below 1 (the smallest is the pick):%n");
        for (int b = 0; b < budgets.length; b++) {
            if (budgets[b] == 1.0) {
                continue;
            }
            int budget = b;
            String best = candidates.stream()
                    .max(Comparator.comparingDouble(k -> rows.get(k).meanValidation(budget))).orElseThrow();
            System.out.printf("  %s: %s (%.1f%%)%n", BenchFormat.number(budgets[b]), best,
                    100 * rows.get(best).meanValidation(b));
        }
        List<String> byShortfall = new ArrayList<>(candidates);
        byShortfall.sort(Comparator.comparingDouble(k -> shortfall(rows, candidates, k, budgets)));
        for (String k : byShortfall) {
            System.out.printf("  largest shortfall %.1f points: %s%n", shortfall(rows, candidates, k, budgets), k);
        }
        System.out.printf("validation's pick: %s; the product's default: %s%n", byShortfall.get(0), defaultRow);

        QualityRow base = rows.get(defaultRow);
        if (base == null) {
            System.out.printf("%nthe default's row (%s) was not run: no comparison%n", defaultRow);
            return;
        }
        System.out.printf("%nTest accuracy minus the default's (%s), points, with the 95%% interval of a bootstrap"
                + " over test texts (paired) and calibration draws; * marks an interval that excludes 0:%n%n",
                defaultRow);
        StringBuilder t = header("scorer", budgets);
        for (Map.Entry<String, QualityRow> e : rows.entrySet()) {
            if (e.getKey().equals(defaultRow)) {
                continue;
            }
            t.append("| ").append(e.getKey()).append(" |");
            for (int b = 0; b < budgets.length; b++) {
                if (budgets[b] == 1.0) {
                    continue;
                }
                PairedBootstrap.Difference d = PairedBootstrap.difference(e.getValue(), base, b, 31L * b + 17);
                t.append(String.format(" %+.1f [%+.1f, %+.1f]%s |", d.mean(), d.low(), d.high(),
                        d.significant() ? " *" : ""));
            }
            t.append('\n');
        }
        System.out.print(t);
    }

    /** The largest gap, in points, between a row's validation mean and the best candidate's, over budgets < 1. */
    private static double shortfall(Map<String, QualityRow> rows, List<String> candidates, String row,
                                    double[] budgets) {
        double worst = 0;
        for (int b = 0; b < budgets.length; b++) {
            if (budgets[b] == 1.0) {
                continue;
            }
            int budget = b;
            double best = candidates.stream().mapToDouble(k -> rows.get(k).meanValidation(budget)).max()
                    .orElseThrow();
            worst = Math.max(worst, 100 * (best - rows.get(row).meanValidation(b)));
        }
        return worst;
    }

    private static String table(Map<String, QualityRow> rows, double[] budgets, boolean validation) {
        StringBuilder t = new StringBuilder("| scorer | scoring time per draw |");
        for (double b : budgets) {
            t.append(' ').append(BenchFormat.number(b)).append(" |");
        }
        t.append("\n|---|---|").append("---|".repeat(budgets.length)).append('\n');
        for (Map.Entry<String, QualityRow> e : rows.entrySet()) {
            QualityRow r = e.getValue();
            t.append("| ").append(e.getKey()).append(" | ").append(String.format("%.1f s", r.meanSeconds()))
                    .append(" |");
            for (int b = 0; b < budgets.length; b++) {
                t.append(r.cell(b, validation));
            }
            t.append('\n');
        }
        return t.toString();
    }

    private static StringBuilder header(String first, double[] budgets) {
        StringBuilder t = new StringBuilder("| ").append(first).append(" |");
        int n = 0;
        for (double b : budgets) {
            if (b != 1.0) {
                t.append(' ').append(BenchFormat.number(b)).append(" |");
                n++;
            }
        }
        return t.append("\n|---|").append("---|".repeat(n)).append('\n');
    }
}
