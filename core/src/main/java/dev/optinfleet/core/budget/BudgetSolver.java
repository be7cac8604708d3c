package dev.optinfleet.core.budget;

import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Chooses the heads and neurons to keep under a FLOP budget (optin.md, "Choosing the mask for a budget").
 *
 * <p>Heads are ranked globally by score and so are neurons, best first; equal scores rank by layer, then by index
 * within the layer. Every head costs c_h and every neuron c_n (from {@link FlopModel}: c_h = 4·s·d·d_h + 2·s²·d_h,
 * c_n = 2·s·d), and a budget C in (0, 1] allows B = C·(L·H·c_h + L·F·c_n). For every head count
 * n_h = 0 .. L·H with n_h·c_h <= B the solver keeps the n_h best heads and fills the rest of the budget with the
 * n_n = min(L·F, ⌊(B − n_h·c_h) / c_n⌋) best neurons, and takes the choice with the largest kept importance
 * Σ kept scores = headPrefix[n_h] + neuronPrefix[n_n]. Choices to which one more head would still fit (possible
 * only when every neuron is kept) are skipped, so the mask always fills the budget: no kept set it returns could
 * take one more unit. Ties in importance go to the larger kept cost, then to fewer heads.
 *
 * <p>Exactness: all heads cost the same and all neurons cost the same, so for fixed counts (n_h, n_n) the best units
 * are the top-ranked ones, and the solver returns the best of all budget-filling masks. With non-negative scores
 * that is also the best of all masks within the budget (a unit more never lowers the importance), and a larger
 * budget never keeps less importance. Budget 1 keeps every unit.
 *
 * <p>Cost: ranking is done once, O(L·F·log(L·F)), in the constructor; each budget then takes O(L·H) with prefix
 * sums, plus O(L·(H + F)) to build the mask. Budgets are compared with a relative tolerance of
 * {@value #RELATIVE_TOLERANCE} of the dense cost, so budget 1 is met exactly despite rounding. Immutable and
 * thread-safe.
 */
public final class BudgetSolver {
    /** Slack, relative to the dense prunable cost, allowed when testing whether units fit the budget. */
    public static final double RELATIVE_TOLERANCE = 1e-9;

    private final int layers;
    private final int headsPerLayer;
    private final int neuronsPerLayer;
    private final double headCost;
    private final double neuronCost;
    private final double denseCost;
    private final int[] headOrder;
    private final int[] neuronOrder;
    private final double[] headPrefix;
    private final double[] neuronPrefix;

    /**
     * A solver for one score set with the unit costs of a FLOP model.
     *
     * @throws IllegalArgumentException when the scores' shape is not the model's L x H heads and L x F neurons
     */
    public BudgetSolver(UnitScores scores, FlopModel flops) {
        this(scores, checkShape(scores, flops).headMacs(), flops.neuronMacs());
    }

    /** A solver with explicit unit costs, each finite and > 0 (any unit: MACs, FLOPs, seconds). */
    public static BudgetSolver withCosts(UnitScores scores, double headCost, double neuronCost) {
        return new BudgetSolver(scores, headCost, neuronCost);
    }

    private BudgetSolver(UnitScores scores, double headCost, double neuronCost) {
        Objects.requireNonNull(scores, "scores");
        if (!(headCost > 0 && Double.isFinite(headCost))) {
            throw new IllegalArgumentException("head cost must be finite and > 0, was " + headCost);
        }
        if (!(neuronCost > 0 && Double.isFinite(neuronCost))) {
            throw new IllegalArgumentException("neuron cost must be finite and > 0, was " + neuronCost);
        }
        this.layers = scores.layers();
        this.headsPerLayer = scores.headsPerLayer();
        this.neuronsPerLayer = scores.neuronsPerLayer();
        this.headCost = headCost;
        this.neuronCost = neuronCost;
        double[] h = flatten(scores.heads());
        double[] n = flatten(scores.neurons());
        this.denseCost = h.length * headCost + n.length * neuronCost;
        this.headOrder = rankDescending(h);
        this.neuronOrder = rankDescending(n);
        this.headPrefix = prefixSums(h, headOrder);
        this.neuronPrefix = prefixSums(n, neuronOrder);
    }

    /**
     * The best budget-filling mask for budget C.
     *
     * @param budget fraction of the dense prunable cost to keep, in (0, 1]
     * @throws IllegalArgumentException when the budget is NaN or outside (0, 1], naming it
     */
    public SolvedMask solve(double budget) {
        checkBudget(budget);
        int totalHeads = headOrder.length;
        int totalNeurons = neuronOrder.length;
        double allowed = budget * denseCost;
        double slack = RELATIVE_TOLERANCE * denseCost;
        int bestHeads = -1;
        int bestNeurons = -1;
        double bestImportance = Double.NEGATIVE_INFINITY;
        double bestCost = Double.NEGATIVE_INFINITY;
        for (int nh = 0; nh <= totalHeads; nh++) {
            double headsCost = nh * headCost;
            if (headsCost > allowed + slack) {
                break;
            }
            double room = Math.floor((allowed - headsCost + slack) / neuronCost);
            int nn = (int) Math.min(totalNeurons, Math.max(0, room));
            double cost = headsCost + nn * neuronCost;
            if (nh < totalHeads && cost + headCost <= allowed + slack) {
                continue; // another head still fits: not budget-filling, dominated by a larger n_h
            }
            double importance = headPrefix[nh] + neuronPrefix[nn];
            if (importance > bestImportance || (importance == bestImportance && cost > bestCost)) {
                bestImportance = importance;
                bestCost = cost;
                bestHeads = nh;
                bestNeurons = nn;
            }
        }
        // n_h = 0 always fits (B > 0); it is skipped only when a larger n_h was considered instead.
        return new SolvedMask(maskOf(bestHeads, bestNeurons), budget, Math.min(1.0, bestCost / denseCost),
                bestImportance, bestHeads, bestNeurons);
    }

    /** The solution path: {@link #solve} for each budget, in the given order, from one ranking. */
    public List<SolvedMask> solutionPath(double... budgets) {
        Objects.requireNonNull(budgets, "budgets");
        for (double b : budgets) {
            checkBudget(b);
        }
        List<SolvedMask> path = new ArrayList<>(budgets.length);
        for (double b : budgets) {
            path.add(solve(b));
        }
        return List.copyOf(path);
    }

    /** As {@link #solutionPath(double...)}. */
    public List<SolvedMask> solutionPath(List<Double> budgets) {
        Objects.requireNonNull(budgets, "budgets");
        double[] b = new double[budgets.size()];
        for (int i = 0; i < b.length; i++) {
            Double v = budgets.get(i);
            if (v == null) {
                throw new IllegalArgumentException("budgets[" + i + "] is null");
            }
            b[i] = v;
        }
        return solutionPath(b);
    }

    /** Cost of one head, c_h. */
    public double headCost() {
        return headCost;
    }

    /** Cost of one neuron, c_n. */
    public double neuronCost() {
        return neuronCost;
    }

    /** L·H·c_h + L·F·c_n. */
    public double denseCost() {
        return denseCost;
    }

    static void checkBudget(double budget) {
        if (!(budget > 0 && budget <= 1)) {
            throw new IllegalArgumentException("budget must be in (0, 1] (the kept fraction of prunable FLOPs), was "
                    + budget);
        }
    }

    private UnitMask maskOf(int keptHeads, int keptNeurons) {
        boolean[][] h = new boolean[layers][headsPerLayer];
        boolean[][] n = new boolean[layers][neuronsPerLayer];
        for (int k = 0; k < keptHeads; k++) {
            h[headOrder[k] / headsPerLayer][headOrder[k] % headsPerLayer] = true;
        }
        for (int k = 0; k < keptNeurons; k++) {
            n[neuronOrder[k] / neuronsPerLayer][neuronOrder[k] % neuronsPerLayer] = true;
        }
        return new UnitMask(h, n);
    }

    private static FlopModel checkShape(UnitScores scores, FlopModel flops) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(flops, "flops");
        var c = flops.config();
        if (scores.layers() != c.numLayers() || scores.headsPerLayer() != c.numHeads()
                || scores.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException("scores are " + scores.shape() + " but the model has "
                    + c.numLayers() + " x " + c.numHeads() + " heads, " + c.numLayers() + " x "
                    + c.intermediateSize() + " neurons");
        }
        return flops;
    }

    private static double[] flatten(double[][] rows) {
        int width = rows[0].length;
        double[] flat = new double[rows.length * width];
        for (int l = 0; l < rows.length; l++) {
            System.arraycopy(rows[l], 0, flat, l * width, width);
        }
        return flat;
    }

    private static double[] prefixSums(double[] values, int[] order) {
        double[] prefix = new double[order.length + 1];
        for (int k = 0; k < order.length; k++) {
            prefix[k + 1] = prefix[k] + values[order[k]];
        }
        return prefix;
    }

    /**
     * Indices of {@code values} ordered by value, largest first; equal values keep ascending index order (flat
     * index = layer·width + unit, so ties go by layer, then unit). A stable bottom-up merge sort, O(n log n).
     */
    static int[] rankDescending(double[] values) {
        int n = values.length;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        int[] b = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    // take from the right run only when strictly larger: equal values keep their order
                    b[k++] = values[a[j]] > values[a[i]] ? a[j++] : a[i++];
                }
                while (i < mid) {
                    b[k++] = a[i++];
                }
                while (j < hi) {
                    b[k++] = a[j++];
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }
}
