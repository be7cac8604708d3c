package dev.optinfleet.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How well the pruned models do on an evaluation set, per budget, with the dense model for reference.
 *
 * @param metric  what was measured, shown as the axis label: e.g. {@code accuracy} (against labels) or
 *                {@code agreement} (with the dense model's predictions)
 * @param dataset what it was measured on (a file name or a description); null when not known
 * @param dense   the dense model's value, drawn at budget 1.0; null when not measured (agreement is 1 by definition)
 * @param points  one value per budget, budgets in (0, 1] and distinct; sorted by budget on construction
 */
public record Evaluation(String metric, String dataset, Double dense, List<Point> points) {

    public Evaluation {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("metric is required (e.g. accuracy or agreement)");
        }
        if (dense != null && !Double.isFinite(dense)) {
            throw new IllegalArgumentException("dense " + metric + " must be finite, was " + dense);
        }
        List<Point> sorted = new ArrayList<>(Objects.requireNonNull(points, "points"));
        sorted.sort(Comparator.comparingDouble(Point::budget));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).budget() == sorted.get(i - 1).budget()) {
                throw new IllegalArgumentException("budget " + sorted.get(i).budget() + " has two " + metric
                        + " values");
            }
        }
        points = List.copyOf(sorted);
    }

    /** An evaluation from a map of budget to value. */
    public static Evaluation of(String metric, String dataset, Double dense, Map<Double, Double> byBudget) {
        List<Point> points = new ArrayList<>();
        byBudget.forEach((b, v) -> points.add(new Point(b, v)));
        return new Evaluation(metric, dataset, dense, points);
    }

    /**
     * One budget's value.
     *
     * @param budget kept fraction of prunable FLOPs, in (0, 1]
     * @param value  the metric, finite
     */
    public record Point(double budget, double value) {
        public Point {
            if (!(budget > 0 && budget <= 1)) {
                throw new IllegalArgumentException("budget must be in (0, 1], was " + budget);
            }
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("value at budget " + budget + " must be finite, was " + value);
            }
        }
    }
}
