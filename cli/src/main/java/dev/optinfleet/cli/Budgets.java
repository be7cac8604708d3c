package dev.optinfleet.cli;

import java.util.List;

/** Budget arguments: kept fractions of prunable FLOPs, each in (0, 1]. */
final class Budgets {
    private Budgets() {
    }

    static List<Double> check(List<Double> budgets) {
        if (budgets == null || budgets.isEmpty()) {
            throw new IllegalArgumentException("at least one --budget is required, e.g. --budget 0.6");
        }
        for (double b : budgets) {
            if (!(b > 0 && b <= 1)) {
                throw new IllegalArgumentException("--budget must be in (0, 1] (the kept fraction of prunable FLOPs),"
                        + " was " + b);
            }
        }
        return List.copyOf(budgets);
    }
}
