package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.coordinator.planning.JobInputs;
import dev.optinfleet.coordinator.planning.JobPlan;
import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.coordinator.planning.TaskPlanner;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job's merge bookkeeping: each task counted once, results kept until planned, finished jobs ignore results. */
class CoordJobTest {
    private static final ModelConfig CONFIG = ModelConfig.dense("bert", 50, 16, 2, 4, 8, 32, 2, 1e-12,
            Pooling.CLS, 0, List.of());
    private static final JobRequest REQUEST = new JobRequest(1, "n", "s3://bkt/m/model.onnx", "s3://bkt/m/tokenizer.json",
            List.of("s3://bkt/cal/0.jsonl"), List.of(0.5), ScoringSpecs.complete(null), 256, 2, "s3://bkt/out", null,
            "test");
    private static final JobInputs INPUTS = new JobInputs(CONFIG, new int[] {4}, new int[] {3, 3, 3, 3});

    @Test
    void eachTaskCountsOnceHoweverOftenItsResultArrives() {
        Job job = Job.accepted("j", REQUEST, 1);
        JobPlan plan = TaskPlanner.plan("j", REQUEST, INPUTS);
        assertTrue(job.planned(INPUTS, plan).isEmpty());
        assertEquals(Job.Merge.MERGED, job.merge(result("s0-samples-2-4")));
        assertEquals(Job.Merge.DUPLICATE, job.merge(result("s0-samples-2-4")));
        assertFalse(job.isScored());
        assertEquals(List.of("s0-samples-0-2"), job.missingTasks().stream().map(t -> t.id()).toList());
        assertEquals(Job.Merge.UNKNOWN_TASK, job.merge(result("s0-samples-9-11")));
        assertEquals(Job.Merge.MERGED, job.merge(result("s0-samples-0-2")));
        assertTrue(job.isScored());
        JobStatus s = job.status();
        assertEquals(2, s.tasksDone());
        assertEquals(plan.totalUnits(), s.unitsScored());
    }

    @Test
    void resultsBeforeThePlanWaitAndAreMergedOnce() {
        Job job = Job.fromStatus(Job.accepted("j", REQUEST, 1).status());
        job.restore(result("s0-samples-0-2"));
        assertEquals(Job.Merge.PENDING, job.merge(result("s0-samples-0-2")));
        assertEquals(Job.Merge.PENDING, job.merge(result("s0-samples-7-8")));
        List<String> unknown = job.planned(INPUTS, TaskPlanner.plan("j", REQUEST, INPUTS));
        assertEquals(List.of("s0-samples-7-8"), unknown);
        assertEquals(1, job.status().tasksDone());
    }

    @Test
    void termsOutsideTheModelAreRefusedNamingTheTask() {
        Job job = Job.accepted("j", REQUEST, 1);
        job.planned(INPUTS, TaskPlanner.plan("j", REQUEST, INPUTS));
        TaskScores wide = new TaskScores(1, "j", "s0-samples-0-2", "w",
                List.of(new UnitTermsMessage(5, "head", 0, new double[4], new double[4])), 4, 1, "e");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> job.merge(wide));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertEquals(0, job.status().tasksDone());
    }

    @Test
    void aFailedJobIgnoresResultsAndDropsItsTerms() {
        Job job = Job.accepted("j", REQUEST, 1);
        job.planned(INPUTS, TaskPlanner.plan("j", REQUEST, INPUTS));
        job.failed("task s0-samples-0-2 was dead-lettered: object not found", 2);
        assertEquals(Job.Merge.FINISHED, job.merge(result("s0-samples-0-2")));
        assertEquals(JobState.FAILED, job.state());
        assertNull(job.table());
        assertFalse(job.markSolvingScheduled(), "a failed job is never solved");
    }

    /** A fisher result covering every unit of the 2-layer model. */
    private static TaskScores result(String taskId) {
        List<UnitTermsMessage> terms = new ArrayList<>();
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            terms.add(new UnitTermsMessage(l, "head", 0, new double[4], new double[] {1, 2, 3, 4}));
            terms.add(new UnitTermsMessage(l, "neuron", 0, new double[8], new double[8]));
        }
        return new TaskScores(1, "j", taskId, "w", terms, 24, 1, "e");
    }
}
