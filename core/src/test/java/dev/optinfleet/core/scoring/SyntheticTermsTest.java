package dev.optinfleet.core.scoring;

import dev.optinfleet.core.cost.CostModel;
import dev.optinfleet.core.cost.WorkerKind;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synthetic terms (the benchmark mode's results) have exactly the shape a real task's result has: every task of a
 * plan adds to a term table that then is complete, covering each unit once; and the simulated task times add up
 * to the cost model's whole-job compute time.
 */
class SyntheticTermsTest {
    /** 12 layers, d = 384 (e5-small-v2's shape). */
    private static final ModelConfig E5 = ModelConfig.dense("bert", 30522, 384, 12, 12, 1536, 512, 2, 1e-12,
            Pooling.MEAN, 0, List.of());
    private static final int[][] LENGTHS = {{128, 64, 100, 17, 90}, {33, 200, 12}};

    @Test
    void exactPlanFillsATermTableOnceWithFeatureTerms() {
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.TRAJECTORY);
        List<ScoringTask> plan = ScoringPlan.plan(E5, settings, new int[] {5, 3}, 256, 16);
        TermTable table = new TermTable(E5);
        for (ScoringTask task : plan) {
            List<UnitTerms> terms = SyntheticTerms.of(E5, task, settings.needsFeatureTerm(), 7);
            ScoringTask.UnitRange u = (ScoringTask.UnitRange) task;
            assertEquals(1, terms.size());
            assertEquals(u.count(), terms.get(0).size());
            assertEquals(u.from(), terms.get(0).from());
            assertTrue(terms.get(0).feature(0) > 0, "trajectory computes the feature term");
            assertTrue(table.add(task, terms), task.toString());
        }
        assertTrue(table.isComplete(plan));
        assertEquals(2 * 12 * (1 + 6), plan.size(), "2 shards x 12 layers x (1 head task + 6 neuron tasks)");
    }

    @Test
    void gradientBatchCoversEveryUnitAndLeavesFeatureZeroForFisher() {
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.FISHER);
        ScoringTask task = new ScoringTask.GradientBatch(0, 0, 4);
        List<UnitTerms> terms = SyntheticTerms.of(E5, task, settings.needsFeatureTerm(), 7);
        int units = terms.stream().mapToInt(UnitTerms::size).sum();
        assertEquals(12 * (12 + 1536), units);
        for (UnitTerms t : terms) {
            assertArrayEquals(new double[t.size()], t.feature(), "fisher has no feature term");
            assertTrue(t.output(0) > 0);
        }
        assertFalse(terms.equals(SyntheticTerms.of(E5, new ScoringTask.GradientBatch(0, 4, 8), false, 7)));
        assertEquals(terms, SyntheticTerms.of(E5, task, false, 7), "a pure function of seed and task");
    }

    @Test
    void simulatedTaskTimesAddUpToTheCostModelsComputeTime() {
        WorkerKind cpu = WorkerKind.find(WorkerKind.bundled(), "cpu-2core");
        for (ScorerKind scorer : List.of(ScorerKind.FISHER, ScorerKind.TRAJECTORY)) {
            ScoringSettings settings = ScoringSettings.defaults(scorer);
            List<ScoringTask> plan = ScoringPlan.plan(E5, settings, new int[] {5, 3}, 256, 2);
            double sum = 0;
            boolean[] teacherPaid = new boolean[LENGTHS.length];
            for (ScoringTask task : plan) {
                boolean teacher = !teacherPaid[task.shard()];
                teacherPaid[task.shard()] = true;
                sum += CostModel.taskSeconds(E5, settings, LENGTHS[task.shard()], task, teacher, cpu);
            }
            double whole = CostModel.estimate(E5, settings, List.of(LENGTHS), 256, 2, 0, 0,
                    MemoryBudget.parse("4g", "test"), 1L << 30, cpu).computeSeconds();
            assertEquals(whole, sum, whole * 1e-12, scorer.wireName());
            assertTrue(sum > 0);
        }
    }
}
