package dev.optinfleet.core.budget;

import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetSolverTest {
    private static final double SUM_TOLERANCE = 1e-12;
    private static final int LAYERS = 2;
    private static final int HEADS = 2;
    private static final int NEURONS = 3;

    @Test
    void matchesBruteForceOverAllSubsetsWithNonNegativeScores() {
        Random random = new Random(20240417L);
        // head/neuron cost ratios from a FLOP model (d = 4, H = 2, s = 3: 120 vs 24) and arbitrary ones
        FlopModel flops = FlopModel.of(ModelConfig.dense("bert", 10, 4, LAYERS, HEADS, NEURONS, 16, 2, 1e-12,
                Pooling.CLS, 0, List.of()), 3);
        for (int trial = 0; trial < 40; trial++) {
            UnitScores scores = randomScores(random, false);
            BudgetSolver solver = trial % 2 == 0
                    ? new BudgetSolver(scores, flops)
                    : BudgetSolver.withCosts(scores, 1 + 9 * random.nextDouble(), 0.2 + random.nextDouble());
            for (double budget : budgets(random)) {
                SolvedMask solved = solver.solve(budget);
                double best = bruteForce(scores, solver, budget, false);
                assertEquals(best, solved.keptImportance(), SUM_TOLERANCE, "trial " + trial + ", budget " + budget);
                assertConsistent(scores, solver, solved);
            }
        }
    }

    @Test
    void matchesBruteForceOverBudgetFillingSubsetsWithNegativeScores() {
        Random random = new Random(7L);
        for (int trial = 0; trial < 40; trial++) {
            UnitScores scores = randomScores(random, true);
            BudgetSolver solver = BudgetSolver.withCosts(scores, 1 + 9 * random.nextDouble(),
                    0.2 + random.nextDouble());
            for (double budget : budgets(random)) {
                SolvedMask solved = solver.solve(budget);
                double best = bruteForce(scores, solver, budget, true);
                assertEquals(best, solved.keptImportance(), SUM_TOLERANCE, "trial " + trial + ", budget " + budget);
                assertConsistent(scores, solver, solved);
            }
        }
    }

    @Test
    void largerBudgetNeverKeepsLessImportance() {
        Random random = new Random(11L);
        double[][] h = new double[6][8];
        double[][] n = new double[6][200];
        fill(random, h, false);
        fill(random, n, false);
        UnitScores scores = new UnitScores(h, n);
        BudgetSolver solver = BudgetSolver.withCosts(scores, 131, 1);
        double previous = Double.NEGATIVE_INFINITY;
        double previousFraction = 0;
        for (int step = 1; step <= 1000; step++) {
            SolvedMask solved = solver.solve(step / 1000.0);
            assertTrue(solved.keptImportance() >= previous, "budget " + step / 1000.0 + " kept "
                    + solved.keptImportance() + " < " + previous);
            assertTrue(solved.keptFraction() <= step / 1000.0 + BudgetSolver.RELATIVE_TOLERANCE);
            assertTrue(solved.keptFraction() >= previousFraction - 1.0 / solver.denseCost() * 131,
                    "kept fraction should grow with the budget up to one head's cost");
            previous = solved.keptImportance();
            previousFraction = solved.keptFraction();
        }
    }

    @Test
    void budgetOneKeepsEveryUnitWhateverTheScores() {
        Random random = new Random(3L);
        for (boolean negative : new boolean[] {false, true}) {
            UnitScores scores = randomScores(random, negative);
            SolvedMask all = BudgetSolver.withCosts(scores, 7.3, 0.11).solve(1.0);
            assertEquals(UnitMask.all(LAYERS, HEADS, NEURONS), all.mask());
            assertEquals(1.0, all.keptFraction());
        }
        // the BERT-base costs, where rounding of 144·c_h + 36 864·c_n must not lose a neuron
        FlopModel flops = FlopModel.of(bertBase(), 39.05);
        SolvedMask all = new BudgetSolver(UnitScores.zeros(12, 12, 3072), flops).solve(1.0);
        assertTrue(all.mask().keepsEverything(), all.mask().toString());
    }

    @Test
    void equalScoresAreBrokenByLayerThenIndex() {
        // heads 10 each, neurons 0 each; costs 3 and 1; dense cost 4·3 + 6·1 = 18; budget 7 = 2 heads + 1 neuron
        UnitScores scores = new UnitScores(new double[][] {{10, 10}, {10, 10}}, new double[][] {{0, 0, 0}, {0, 0, 0}});
        SolvedMask solved = BudgetSolver.withCosts(scores, 3, 1).solve(7.0 / 18);
        assertArrayEquals(new boolean[][] {{true, true}, {false, false}}, solved.mask().heads());
        assertArrayEquals(new boolean[][] {{true, false, false}, {false, false, false}}, solved.mask().neurons());

        // -0.0 ties with 0.0, so the order stays by layer then index
        assertArrayEquals(new int[] {1, 0, 2, 3}, BudgetSolver.rankDescending(new double[] {0.0, 1.0, -0.0 + 0.0, 0.0}));
        assertArrayEquals(new int[] {3, 0, 2, 1, 4}, BudgetSolver.rankDescending(new double[] {2, -1, 2, 5, -1}));
    }

    @Test
    void prefersTheHeadNeuronTradeWithMoreImportance() {
        // one head (cost 4) worth 5 against four neurons (cost 1 each) worth 2 each: neurons win at budget 4
        UnitScores scores = new UnitScores(new double[][] {{5}}, new double[][] {{2, 2, 2, 2}});
        SolvedMask solved = BudgetSolver.withCosts(scores, 4, 1).solve(0.5);
        assertEquals(0, solved.keptHeads());
        assertEquals(4, solved.keptNeurons());
        assertEquals(8.0, solved.keptImportance());
        // worth 9, the head wins
        scores = new UnitScores(new double[][] {{9}}, new double[][] {{2, 2, 2, 2}});
        solved = BudgetSolver.withCosts(scores, 4, 1).solve(0.5);
        assertEquals(1, solved.keptHeads());
        assertEquals(0, solved.keptNeurons());
    }

    @Test
    void solutionPathEqualsIndividualSolves() {
        Random random = new Random(5L);
        UnitScores scores = randomScores(random, false);
        BudgetSolver solver = BudgetSolver.withCosts(scores, 5, 1);
        List<SolvedMask> path = solver.solutionPath(0.9, 0.3, 0.6, 1.0);
        assertEquals(List.of(solver.solve(0.9), solver.solve(0.3), solver.solve(0.6), solver.solve(1.0)), path);
        assertEquals(path, solver.solutionPath(List.of(0.9, 0.3, 0.6, 1.0)));
    }

    @Test
    void rejectsBudgetOutsideZeroToOneNamingIt() {
        BudgetSolver solver = BudgetSolver.withCosts(randomScores(new Random(1), false), 5, 1);
        for (double bad : new double[] {0, -0.25, 1.0000001, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> solver.solve(bad));
            assertTrue(e.getMessage().contains("budget") && e.getMessage().contains("was " + bad), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> solver.solutionPath(0.5, bad));
            assertTrue(e.getMessage().contains("was " + bad), e.getMessage());
        }
    }

    @Test
    void rejectsScoresOfAnotherShapeThanTheModel() {
        FlopModel flops = FlopModel.of(bertBase(), 39.05);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BudgetSolver(UnitScores.zeros(12, 12, 3000), flops));
        assertTrue(e.getMessage().contains("12 x 3000") && e.getMessage().contains("12 x 3072"), e.getMessage());
    }

    @Test
    void solvesBertBaseSizedProblemsInMilliseconds() {
        Random random = new Random(99L);
        double[][] h = new double[12][12];
        double[][] n = new double[12][3072];
        fill(random, h, false);
        fill(random, n, false);
        UnitScores scores = new UnitScores(h, n);
        FlopModel flops = FlopModel.of(bertBase(), 39.05);
        // warm-up, then time: ranking once plus 100 budgets
        new BudgetSolver(scores, flops).solutionPath(0.5, 0.6);
        long start = System.nanoTime();
        BudgetSolver solver = new BudgetSolver(scores, flops);
        double[] budgets = new double[100];
        for (int i = 0; i < budgets.length; i++) {
            budgets[i] = (i + 1) / 100.0;
        }
        List<SolvedMask> path = solver.solutionPath(budgets);
        double millis = (System.nanoTime() - start) / 1e6;
        assertEquals(100, path.size());
        // generous bound for a loaded 2-core machine; typically ~10 ms in all
        assertTrue(millis < 2000, "ranking and 100 budgets took " + millis + " ms");
        SolvedMask sixty = path.get(59);
        assertTrue(sixty.keptFraction() <= 0.6 + BudgetSolver.RELATIVE_TOLERANCE);
        assertTrue(0.6 - sixty.keptFraction() < flops.headMacs() / flops.densePrunableMacs(),
                "budget should be filled to within one head, kept " + sixty.keptFraction());
    }

    static ModelConfig bertBase() {
        return ModelConfig.dense("bert", 30522, 768, 12, 12, 3072, 512, 2, 1e-12, Pooling.POOLER, 3, List.of());
    }

    private static UnitScores randomScores(Random random, boolean negative) {
        double[][] h = new double[LAYERS][HEADS];
        double[][] n = new double[LAYERS][NEURONS];
        fill(random, h, negative);
        fill(random, n, negative);
        return new UnitScores(h, n);
    }

    private static void fill(Random random, double[][] rows, boolean negative) {
        for (double[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                // a few exact ties, to exercise tie-breaking
                row[i] = random.nextInt(8) == 0 ? 1.0 : random.nextDouble() * 4;
                if (negative && random.nextBoolean()) {
                    row[i] = -row[i];
                }
            }
        }
    }

    private static List<Double> budgets(Random random) {
        List<Double> b = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            b.add(i / 100.0);
        }
        for (int i = 0; i < 50; i++) {
            b.add(Math.max(Double.MIN_VALUE, random.nextDouble()));
        }
        return b;
    }

    /**
     * Best kept importance over every subset of the 4 heads and 6 neurons within the budget; with
     * {@code fillingOnly}, only over subsets to which no further unit fits.
     */
    private static double bruteForce(UnitScores scores, BudgetSolver solver, double budget, boolean fillingOnly) {
        int units = LAYERS * HEADS + LAYERS * NEURONS;
        double allowed = budget * solver.denseCost() + BudgetSolver.RELATIVE_TOLERANCE * solver.denseCost();
        double best = Double.NEGATIVE_INFINITY;
        for (int subset = 0; subset < 1 << units; subset++) {
            double cost = 0;
            double importance = 0;
            double cheapestLeftOut = Double.POSITIVE_INFINITY;
            for (int u = 0; u < units; u++) {
                boolean head = u < LAYERS * HEADS;
                double unitCost = head ? solver.headCost() : solver.neuronCost();
                if ((subset & (1 << u)) != 0) {
                    cost += unitCost;
                    importance += head ? scores.head(u / HEADS, u % HEADS)
                            : scores.neuron((u - LAYERS * HEADS) / NEURONS, (u - LAYERS * HEADS) % NEURONS);
                } else {
                    cheapestLeftOut = Math.min(cheapestLeftOut, unitCost);
                }
            }
            if (cost > allowed || (fillingOnly && cost + cheapestLeftOut <= allowed)) {
                continue;
            }
            best = Math.max(best, importance);
        }
        return best;
    }

    private static void assertConsistent(UnitScores scores, BudgetSolver solver, SolvedMask solved) {
        UnitMask m = solved.mask();
        double sum = 0;
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                sum += m.head(l, h) ? scores.head(l, h) : 0;
            }
            for (int i = 0; i < NEURONS; i++) {
                sum += m.neuron(l, i) ? scores.neuron(l, i) : 0;
            }
        }
        assertEquals(sum, solved.keptImportance(), SUM_TOLERANCE);
        double cost = m.keptHeadCount() * solver.headCost() + m.keptNeuronCount() * solver.neuronCost();
        assertEquals(cost / solver.denseCost(), solved.keptFraction(), SUM_TOLERANCE);
        assertTrue(solved.keptFraction() <= solved.budget() + BudgetSolver.RELATIVE_TOLERANCE,
                "kept " + solved.keptFraction() + " over budget " + solved.budget());
    }
}
