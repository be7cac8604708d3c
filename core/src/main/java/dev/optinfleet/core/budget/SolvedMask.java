package dev.optinfleet.core.budget;

import dev.optinfleet.core.mask.UnitMask;

import java.util.Objects;

/**
 * The mask {@link BudgetSolver} chose for one budget.
 *
 * @param mask           kept heads [L x H] and neurons [L x F]
 * @param budget         the fraction C of dense prunable MACs asked for, in (0, 1]
 * @param keptFraction   (keptHeads·headCost + keptNeurons·neuronCost) / dense prunable cost; at most
 *                       {@code budget} up to a relative rounding tolerance of 1e-9
 * @param keptImportance sum of the scores of the kept units: the objective the solver maximised
 * @param keptHeads      n_h, the number of kept heads (the best n_h by score)
 * @param keptNeurons    n_n, the number of kept neurons (the best n_n by score)
 */
public record SolvedMask(UnitMask mask, double budget, double keptFraction, double keptImportance, int keptHeads,
                         int keptNeurons) {

    public SolvedMask {
        Objects.requireNonNull(mask, "mask");
        BudgetSolver.checkBudget(budget);
        if (!(keptFraction >= 0 && keptFraction <= 1 + BudgetSolver.RELATIVE_TOLERANCE)) {
            throw new IllegalArgumentException("kept_fraction must be in [0, 1], was " + keptFraction);
        }
        if (!Double.isFinite(keptImportance)) {
            throw new IllegalArgumentException("kept_importance must be finite, was " + keptImportance);
        }
        if (keptHeads != mask.keptHeadCount()) {
            throw new IllegalArgumentException("kept_heads is " + keptHeads + " but the mask keeps "
                    + mask.keptHeadCount());
        }
        if (keptNeurons != mask.keptNeuronCount()) {
            throw new IllegalArgumentException("kept_neurons is " + keptNeurons + " but the mask keeps "
                    + mask.keptNeuronCount());
        }
    }
}
