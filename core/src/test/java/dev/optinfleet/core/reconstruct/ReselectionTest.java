package dev.optinfleet.core.reconstruct;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.optinfleet.core.reconstruct.ReconstructionFixtures.halfMask;
import static dev.optinfleet.core.reconstruct.ReconstructionFixtures.statistics;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Repair#RESELECT} and its closed-form criterion {@link UnitReselection}. */
class ReselectionTest {
    private static final double ALPHA = 1e-2;
    private static final ModelConfig CONFIG = TinyModels.config();
    private static final Checkpoint DENSE = TinyModels.random(CONFIG, 11);

    private static ReconstructionSettings reselect() {
        return ReconstructionSettings.of(Repair.RESELECT).withRelativeRidge(ALPHA);
    }

    private static ReconstructionSettings full() {
        return ReconstructionSettings.of(Repair.FULL).withRelativeRidge(ALPHA);
    }

    // ---- the closed form against brute force: remove each unit, re-solve, compare the objective ----

    @Test
    void closedFormRemovalIncreaseEqualsRemovingAndResolving() {
        Random rnd = new Random(5);
        int n = 40;
        int cols = 8;
        int d = 3;
        double lambda = 0.7;
        double[][] h = gaussian(rnd, n, cols, 0.4);
        // correlated columns, so that removing one is partly made up for by the others
        for (int t = 0; t < n; t++) {
            h[t][1] += 0.8 * h[t][0];
            h[t][5] += 0.5 * h[t][4] - 0.3 * h[t][2];
        }
        double[][] y = gaussian(rnd, n, d, 0.1);
        double[] w0 = rnd.doubles(cols * d, -1, 1).toArray();
        ProjectionStatistics stats = statistics(h, y);
        for (int[][] groups : List.of(UnitReselection.neuronGroups(cols), UnitReselection.headGroups(4, 2))) {
            double[] closed = new UnitReselection(stats, w0, lambda, groups).removalIncreases();
            int[] all = range(cols);
            double base = bruteObjective(h, y, w0, lambda, all);
            for (int u = 0; u < groups.length; u++) {
                int[] rest = without(all, groups[u]);
                double expected = bruteObjective(h, y, w0, lambda, rest) - base;
                assertEquals(expected, closed[u], 1e-8 * Math.max(1, Math.abs(base)),
                        "group " + u + " of " + groups.length);
            }
        }
    }

    @Test
    void greedyEliminationFollowsBruteForceAndEndsAtTheRidgeSolutionOfTheKeptUnits() {
        Random rnd = new Random(9);
        int n = 30;
        int cols = 7;
        int d = 2;
        double lambda = 0.3;
        double[][] h = gaussian(rnd, n, cols, -0.2);
        for (int t = 0; t < n; t++) {
            h[t][3] = 0.9 * h[t][2] + 0.1 * h[t][3];
        }
        double[][] y = gaussian(rnd, n, d, 0.3);
        double[] w0 = rnd.doubles(cols * d, -1, 1).toArray();
        UnitReselection sel = new UnitReselection(statistics(h, y), w0, lambda, UnitReselection.neuronGroups(cols));
        int[] kept = sel.keep(3);
        // brute-force greedy: at each step re-solve every candidate set and drop the cheapest unit
        List<Integer> alive = new ArrayList<>();
        for (int i = 0; i < cols; i++) {
            alive.add(i);
        }
        while (alive.size() > 3) {
            int best = -1;
            double bestJ = Double.POSITIVE_INFINITY;
            for (int u : alive) {
                int[] rest = alive.stream().filter(v -> v != u).mapToInt(Integer::intValue).toArray();
                double j = bruteObjective(h, y, w0, lambda, rest);
                if (j < bestJ - 1e-12) {
                    best = u;
                    bestJ = j;
                }
            }
            alive.remove(Integer.valueOf(best));
        }
        assertArrayEquals(alive.stream().mapToInt(Integer::intValue).toArray(), kept);
        double[] theta = sel.solution();
        double[] expected = bruteSolution(h, y, w0, lambda, kept);
        for (int a = 0; a < kept.length; a++) {
            for (int j = 0; j < d; j++) {
                assertEquals(expected[a * d + j], theta[kept[a] * d + j], 1e-9, "w[" + kept[a] + "][" + j + "]");
            }
        }
        for (int j = 0; j < d; j++) {
            assertEquals(expected[kept.length * d + j], theta[cols * d + j], 1e-9, "bias " + j);
        }
    }

    // ---- on the tiny model ----

    @Test
    void reselectedMaskKeepsTheCountsOfEveryLayerSoStaysWithinTheBudget() {
        Random rnd = new Random(3);
        double[][] hs = new double[CONFIG.numLayers()][CONFIG.numHeads()];
        double[][] ns = new double[CONFIG.numLayers()][CONFIG.intermediateSize()];
        for (int l = 0; l < hs.length; l++) {
            hs[l] = rnd.doubles(CONFIG.numHeads()).toArray();
            ns[l] = rnd.doubles(CONFIG.intermediateSize()).toArray();
        }
        FlopModel flops = FlopModel.of(CONFIG, 9.5);
        TokenBatch batch = TinyModels.batch(12, 10, CONFIG.vocabSize(), 5);
        boolean changedSomewhere = false;
        for (double budget : new double[] {0.7, 0.5, 0.3}) {
            SolvedMask solved = new BudgetSolver(new UnitScores(hs, ns), flops).solve(budget);
            Reconstruction r = Reconstructor.reconstruct(DENSE, solved.mask(), List.of(batch), reselect());
            UnitMask m = r.mask();
            for (int l = 0; l < CONFIG.numLayers(); l++) {
                assertEquals(solved.mask().keptHeads(l).length, m.keptHeads(l).length, "heads of layer " + l);
                assertEquals(solved.mask().keptNeurons(l).length, m.keptNeurons(l).length, "neurons of layer " + l);
            }
            double fraction = flops.prunableMacs(m) / flops.densePrunableMacs();
            assertTrue(fraction <= budget * (1 + BudgetSolver.RELATIVE_TOLERANCE), budget + ": " + fraction);
            changedSomewhere |= !m.equals(solved.mask());
            int reselected = r.refits().stream().mapToInt(SublayerRefit::reselected).sum();
            assertEquals(m.equals(solved.mask()), reselected == 0, r.refits().toString());
        }
        assertTrue(changedSomewhere, "re-selection never changed a unit, so the test shows nothing");
    }

    @Test
    void reselectionStrictlyLowersTheErrorOfALayerWhoseMaskIsClearlySuboptimal() {
        // layer 0's FFN: neurons 0..11 write strongly into the residual stream, 12..23 almost nothing; the mask keeps
        // the useless half (and every head of layer 0, so the FFN's input is the dense one in both runs)
        int f = CONFIG.intermediateSize();
        Checkpoint model = TinyModels.random(CONFIG, 11, t -> {
            if (!t.name().equals(TensorNames.output(0, "weight"))) {
                return t;
            }
            float[] w = t.data().clone();
            for (int j = 0; j < CONFIG.hiddenSize(); j++) {
                for (int i = 0; i < f; i++) {
                    w[j * f + i] *= i < f / 2 ? 4f : 0.02f;
                }
            }
            return new FloatTensor(t.name(), t.shape(), w);
        });
        boolean[][] heads = new boolean[CONFIG.numLayers()][CONFIG.numHeads()];
        boolean[][] neurons = new boolean[CONFIG.numLayers()][f];
        for (boolean[] row : heads) {
            Arrays.fill(row, true);
        }
        for (int i = f / 2; i < f; i++) {
            neurons[0][i] = true;
        }
        for (int l = 1; l < CONFIG.numLayers(); l++) {
            Arrays.fill(neurons[l], true);
        }
        UnitMask bad = new UnitMask(heads, neurons);
        TokenBatch batch = TinyModels.batch(12, 10, CONFIG.vocabSize(), 6);
        Reconstruction withFull = Reconstructor.reconstruct(model, bad, List.of(batch), full());
        Reconstruction withReselect = Reconstructor.reconstruct(model, bad, List.of(batch), reselect());
        SublayerRefit a = withFull.refits().get(1);
        SublayerRefit b = withReselect.refits().get(1);
        assertEquals(SublayerRefit.FFN, a.sublayer());
        assertEquals(a.kept(), b.kept(), "same count");
        assertTrue(a.errorBefore() > 0);
        assertTrue(b.errorAfter() < 0.5 * a.errorAfter(), "full " + a + " vs reselect " + b);
        // it went for the strong neurons
        long strong = Arrays.stream(withReselect.mask().keptNeurons(0)).filter(i -> i < f / 2).count();
        assertTrue(strong > f / 4, Arrays.toString(withReselect.mask().keptNeurons(0)));
        assertEquals((int) strong, b.reselected());
    }

    @Test
    void reselectionAtBudgetOneReturnsTheDenseWeights() {
        TokenBatch batch = TinyModels.batch(6, 10, CONFIG.vocabSize(), 9);
        UnitMask all = UnitMask.all(CONFIG.numLayers(), CONFIG.numHeads(), CONFIG.intermediateSize());
        Reconstruction r = Reconstructor.reconstruct(DENSE, all, List.of(batch), reselect());
        for (Map.Entry<String, FloatTensor> e : DENSE.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data(), r.checkpoint().tensor(e.getKey()).data(), e.getKey());
        }
        assertEquals(all, r.mask());
        assertTrue(r.refits().stream().allMatch(s -> s.status().equals(SublayerRefit.UNCHANGED)));
    }

    @Test
    void reselectionEqualsTheFullRefitOfTheMaskItChoseAndSlicesToTheMaskedModel() {
        // the same kept sets give the same student inputs layer by layer, so a full refit of the applied mask must
        // reproduce the re-selected weights: the selection changed which columns are refit, nothing else
        UnitMask mask = halfMask(CONFIG, 4);
        TokenBatch batch = TinyModels.batch(12, 10, CONFIG.vocabSize(), 7);
        Reconstruction r = Reconstructor.reconstruct(DENSE, mask, List.of(batch), reselect());
        assertNotEquals(mask, r.mask(), "nothing was re-selected");
        Reconstruction again = Reconstructor.reconstruct(DENSE, r.mask(), List.of(batch), full());
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            for (String name : List.of(TensorNames.attentionOutput(l, "weight"), TensorNames.attentionOutput(l, "bias"),
                    TensorNames.output(l, "weight"), TensorNames.output(l, "bias"))) {
                float[] x = r.checkpoint().tensor(name).data();
                float[] y = again.checkpoint().tensor(name).data();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(y[i], x[i], 1e-4 * Math.max(1, Math.abs(y[i])), name + "[" + i + "]");
                }
            }
        }
        for (int i = 0; i < r.refits().size(); i++) {
            SublayerRefit s = r.refits().get(i);
            assertEquals(again.refits().get(i).errorAfter(), s.errorAfter(), 1e-4 * s.errorBefore(), s.toString());
        }
        Checkpoint sliced = CheckpointSlicer.slice(r.checkpoint(), r.mask());
        TokenBatch other = TinyModels.batch(4, 9, CONFIG.vocabSize(), 21);
        try (Encoder masked = Encoder.load(r.checkpoint()); Encoder small = Encoder.load(sliced);
             NDManager scope = masked.newScope()) {
            EncoderOutput a = masked.forward(scope, other, MaskGates.of(scope, CONFIG, r.mask()), false);
            EncoderOutput b = small.forward(scope, other, Gates.NONE, false);
            assertTrue(a.hidden().sub(b.hidden()).abs().max().getFloat() < 1e-5f);
        }
    }

    // ---- independent reference: the ridge problem as a stacked least-squares system, solved by QR ----

    /** min over W_K, b of ||H_K W + 1 bᵀ - Y||² + lambda ||W - W0_K||², by QR on [H_K 1; √λ I 0] θ = [Y; √λ W0_K]. */
    private static double bruteObjective(double[][] h, double[][] y, double[] w0, double lambda, int[] kept) {
        double[] theta = bruteSolution(h, y, w0, lambda, kept);
        int d = y[0].length;
        int k = kept.length;
        double j = 0;
        for (int t = 0; t < h.length; t++) {
            for (int o = 0; o < d; o++) {
                double v = theta[k * d + o] - y[t][o];
                for (int a = 0; a < k; a++) {
                    v += h[t][kept[a]] * theta[a * d + o];
                }
                j += v * v;
            }
        }
        for (int a = 0; a < k; a++) {
            for (int o = 0; o < d; o++) {
                double v = theta[a * d + o] - w0[kept[a] * d + o];
                j += lambda * v * v;
            }
        }
        return j;
    }

    private static double[] bruteSolution(double[][] h, double[][] y, double[] w0, double lambda, int[] kept) {
        int n = h.length;
        int d = y[0].length;
        int k = kept.length;
        DMatrixRMaj a = new DMatrixRMaj(n + k, k + 1);
        DMatrixRMaj b = new DMatrixRMaj(n + k, d);
        double s = Math.sqrt(lambda);
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < k; i++) {
                a.set(t, i, h[t][kept[i]]);
            }
            a.set(t, k, 1);
            for (int o = 0; o < d; o++) {
                b.set(t, o, y[t][o]);
            }
        }
        for (int i = 0; i < k; i++) {
            a.set(n + i, i, s);
            for (int o = 0; o < d; o++) {
                b.set(n + i, o, s * w0[kept[i] * d + o]);
            }
        }
        LinearSolverDense<DMatrixRMaj> qr = LinearSolverFactory_DDRM.leastSquares(n + k, k + 1);
        assertTrue(qr.setA(a));
        DMatrixRMaj x = new DMatrixRMaj(k + 1, d);
        qr.solve(b, x);
        return x.data;
    }

    private static double[][] gaussian(Random rnd, int rows, int cols, double shift) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int i = 0; i < cols; i++) {
                row[i] = rnd.nextGaussian() + shift;
            }
        }
        return m;
    }

    /** Two heads and about half the neurons of every layer, seeded (as ReconstructorTest's). */
    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static int[] without(int[] all, int[] removed) {
        return Arrays.stream(all).filter(i -> Arrays.stream(removed).noneMatch(r -> r == i)).toArray();
    }
}
