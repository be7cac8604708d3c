package dev.optinfleet.report;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.schemas.scores.ScoresDocument;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The solution path of the real MiniLM's fisher scores, against BudgetSolver itself. */
class SolutionPathTest {
    /** Sums of ~9,000 doubles in a different order: relative rounding far below this. */
    private static final double SUM_TOLERANCE = 1e-12;

    private static UnitScores realScores() {
        ScoresDocument s = RealJob.result().scores();
        return new UnitScores(s.headScores(), s.neuronScores());
    }

    private static FlopModel realFlops() {
        return FlopModel.of(RealJob.dense().config(), RealJob.result().scores().tokensPerSequence(),
                RealJob.dense().hasPooler());
    }

    @Test
    void defaultGridRunsFromATenthToOneInStepsOfFiveHundredths() {
        List<Double> g = SolutionPath.DEFAULT_BUDGETS;
        assertEquals(19, g.size());
        assertEquals(0.1, g.get(0));
        assertEquals(0.15, g.get(1));
        assertEquals(0.55, g.get(9));
        assertEquals(1.0, g.get(18));
    }

    @Test
    void keptImportanceRisesWithTheBudgetAndIsAllOfItAtBudgetOne() {
        SolutionPath path = SolutionPath.of(realScores(), realFlops());
        List<SolutionPath.Point> p = path.points();
        assertEquals(SolutionPath.DEFAULT_BUDGETS.size(), p.size());
        for (int i = 1; i < p.size(); i++) {
            assertTrue(p.get(i).keptImportanceFraction() >= p.get(i - 1).keptImportanceFraction(),
                    "kept importance fell from budget " + p.get(i - 1).budget() + " to " + p.get(i).budget());
            assertTrue(p.get(i).keptFraction() >= p.get(i - 1).keptFraction());
        }
        SolutionPath.Point full = p.get(p.size() - 1);
        assertEquals(1.0, full.budget());
        assertEquals(1.0, full.keptImportanceFraction(), SUM_TOLERANCE);
        assertEquals(1.0, full.keptHeadFraction());
        assertEquals(1.0, full.keptNeuronFraction());
        // Real scores are far from uniform: a tenth of the FLOPs keeps much more than a tenth of the importance.
        assertTrue(p.get(0).keptImportanceFraction() > 0.2, "at 0.1: " + p.get(0).keptImportanceFraction());
        for (SolutionPath.Point q : p) {
            assertTrue(q.keptFraction() <= q.budget() + BudgetSolver.RELATIVE_TOLERANCE, "over budget: " + q);
        }
    }

    @Test
    void keptCountsAndImportanceAreTheSolversOwn() {
        UnitScores scores = realScores();
        BudgetSolver solver = new BudgetSolver(scores, realFlops());
        SolutionPath path = SolutionPath.of(scores, realFlops());
        double total = SolutionPath.totalImportance(scores);
        assertEquals(total, path.totalImportance());
        for (SolutionPath.Point p : path.points()) {
            SolvedMask m = solver.solve(p.budget());
            assertEquals(m.keptHeads(), p.keptHeads(), "heads at " + p.budget());
            assertEquals(m.keptNeurons(), p.keptNeurons(), "neurons at " + p.budget());
            assertEquals(m.mask().keptHeadCount(), p.keptHeads());
            assertEquals(m.keptImportance(), p.keptImportance(), "importance at " + p.budget());
            assertEquals(m.keptImportance() / total, p.keptImportanceFraction(), SUM_TOLERANCE);
            assertEquals((double) m.keptHeads() / (6 * 12), p.keptHeadFraction());
            assertEquals((double) m.keptNeurons() / (6 * 1536), p.keptNeuronFraction());
        }
    }

    @Test
    void thePathAgreesWithTheMasksTheJobWrote() {
        UnitScores scores = realScores();
        SolutionPath path = SolutionPath.of(scores, realFlops(), RealJob.BUDGETS);
        List<BudgetOutput> written = RealJob.result().budgets();
        for (int i = 0; i < written.size(); i++) {
            assertEquals(written.get(i).solved().keptHeads(), path.points().get(i).keptHeads());
            assertEquals(written.get(i).solved().keptNeurons(), path.points().get(i).keptNeurons());
            assertEquals(written.get(i).mask().keptImportance(), path.points().get(i).keptImportance());
        }
    }

    @Test
    void importanceFractionIsUndefinedWhenNothingIsImportant() {
        UnitScores zeros = UnitScores.zeros(6, 12, 1536);
        SolutionPath path = SolutionPath.of(zeros, realFlops());
        assertEquals(0.0, path.totalImportance());
        assertTrue(path.points().stream().allMatch(p -> Double.isNaN(p.keptImportanceFraction())));
    }

    @Test
    void rejectsScoresOfAnotherShapeNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SolutionPath.of(UnitScores.zeros(4, 12, 1536), realFlops()));
        assertTrue(e.getMessage().contains("4 x 12") && e.getMessage().contains("6 x 12"), e.getMessage());
    }
}
