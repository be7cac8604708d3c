package dev.optinfleet.report;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.flops.FlopModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The solution path of one score set: the mask {@link BudgetSolver} chooses at each budget of a grid, summarised.
 * For a budget C with kept heads n_h of L·H and kept neurons n_n of L·F:
 *
 * <pre>
 *   keptImportanceFraction = Σ kept scores / Σ all scores      (heads and neurons together)
 *   keptHeadFraction       = n_h / (L·H)
 *   keptNeuronFraction     = n_n / (L·F)
 * </pre>
 *
 * <p>With non-negative scores (every scorer of this project) the importance fraction rises with the budget and is 1
 * at budget 1. When the scores sum to zero or less the fraction is not defined and is NaN. Sums are accumulated in
 * {@code double}. Immutable.
 *
 * @param totalImportance Σ of every head and neuron score
 * @param points          one per budget, in the order asked
 */
public record SolutionPath(double totalImportance, List<Point> points) {

    /** 0.10, 0.15, ..., 1.00: the grid of the report's solution-path chart. */
    public static final List<Double> DEFAULT_BUDGETS = grid(10, 100, 5);

    public SolutionPath {
        if (Double.isNaN(totalImportance)) {
            throw new IllegalArgumentException("total importance must be a number, was NaN");
        }
        points = List.copyOf(Objects.requireNonNull(points, "points"));
    }

    /** The path over {@link #DEFAULT_BUDGETS}. */
    public static SolutionPath of(UnitScores scores, FlopModel flops) {
        return of(scores, flops, DEFAULT_BUDGETS);
    }

    /**
     * The path over the given budgets, from one ranking of the scores.
     *
     * @throws IllegalArgumentException when the scores do not fit the model or a budget is outside (0, 1]
     */
    public static SolutionPath of(UnitScores scores, FlopModel flops, List<Double> budgets) {
        BudgetSolver solver = new BudgetSolver(scores, flops);
        double total = totalImportance(scores);
        int heads = scores.layers() * scores.headsPerLayer();
        int neurons = scores.layers() * scores.neuronsPerLayer();
        List<Point> points = new ArrayList<>(budgets.size());
        for (SolvedMask m : solver.solutionPath(budgets)) {
            points.add(new Point(m.budget(), m.keptFraction(), m.keptImportance(), fraction(m.keptImportance(), total),
                    m.keptHeads(), m.keptNeurons(), (double) m.keptHeads() / heads,
                    (double) m.keptNeurons() / neurons));
        }
        return new SolutionPath(total, points);
    }

    /** Σ of every head and neuron score. */
    public static double totalImportance(UnitScores scores) {
        double sum = 0;
        for (double[] row : scores.heads()) {
            for (double v : row) {
                sum += v;
            }
        }
        for (double[] row : scores.neurons()) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }

    /** kept / total, NaN when total <= 0. */
    static double fraction(double kept, double total) {
        return total > 0 ? kept / total : Double.NaN;
    }

    /** The budgets of the path, in order. */
    public double[] budgets() {
        return points.stream().mapToDouble(Point::budget).toArray();
    }

    /**
     * One budget of the path.
     *
     * @param budget                 the budget C asked for
     * @param keptFraction           prunable MACs kept / dense prunable MACs, at most C
     * @param keptImportance         Σ kept scores
     * @param keptImportanceFraction Σ kept scores / Σ all scores; NaN when Σ all scores <= 0
     * @param keptHeads              n_h
     * @param keptNeurons            n_n
     * @param keptHeadFraction       n_h / (L·H)
     * @param keptNeuronFraction     n_n / (L·F)
     */
    public record Point(double budget, double keptFraction, double keptImportance, double keptImportanceFraction,
                        int keptHeads, int keptNeurons, double keptHeadFraction, double keptNeuronFraction) {
    }

    /** from/100, (from+step)/100, ..., to/100, computed from integers so that 0.15 is 0.15. */
    private static List<Double> grid(int fromPercent, int toPercent, int stepPercent) {
        List<Double> g = new ArrayList<>();
        for (int p = fromPercent; p <= toPercent; p += stepPercent) {
            g.add(p / 100.0);
        }
        return List.copyOf(g);
    }
}
