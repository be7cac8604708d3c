package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.jobs.TaskDeadlineWatch;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskProgress;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 item 2 on the real broker and S3 server: a task whose result record is lost (scored, but the record never
 * reaches the coordinator) is recovered by its deadline alone, and the job ends with exactly the masks of an
 * undisturbed run; a task that never comes back is published again a bounded number of times and then fails its job
 * naming it, and the next job succeeds. The deadline clock is moved forward instead of waiting the 10-minute floor.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class TaskDeadlineFaultTest extends FleetTestBase {
    @Inject
    TestClock clock;

    @Inject
    TaskDeadlineWatch watch;

    @Inject
    CoordinatorSettings settings;

    @Test
    void aLostResultIsRecoveredByTheDeadlineAndALostCauseFailsItsJobNamingTheTask() {
        JobRequest request = Api.request("minilm-deadline", List.of(0.5), null, 4);
        String expectedMask = mask(api.runToDone(worker, request));
        Duration pastDeadline = settings.taskDeadline().floor().plusSeconds(1);

        // 1. One task's result is lost after the task had started (its progress arrived): only the deadline helps.
        String id = api.submit(request);
        api.awaitState(id, "scoring");
        List<ScoringTaskMessage> tasks = worker.awaitTasks(id, 2).stream()
                .sorted(Comparator.comparing(ScoringTaskMessage::taskId)).toList();
        worker.publish(worker.score(tasks.get(0)));
        ScoringTaskMessage lost = tasks.get(1);
        TaskProgress half = new TaskProgress(TaskProgress.SCHEMA_VERSION, id, lost.taskId(), "test-worker", 2, 4);
        await().atMost(Api.JOB_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            worker.send(Topics.TASK_PROGRESS, half.key(), Json.write(half)); // progress is fire and forget: resend
            return api.status(id).path("tasks_progress").asDouble() == 1.5;
        });
        worker.score(lost); // scored, and its result record lost on the way
        long faultAt = System.nanoTime();
        clock.advance(pastDeadline);
        List<ScoringTaskMessage> again = awaitPublications(id, lost.taskId(), 2);
        worker.publish(worker.score(again.get(again.size() - 1)));
        JsonNode done = api.awaitState(id, "done");
        double recovered = (System.nanoTime() - faultAt) / 1e9;
        assertEquals(expectedMask, mask(done), "the masks of the undisturbed run");
        assertEquals(1, worker.tasksOf(id).stream().filter(t -> t.taskId().equals(tasks.get(0).taskId())).count(),
                "the task with a result is never published again");
        FaultRuns.report("a started task's result record lost (only the deadline can recover it)", 2,
                "republished at the deadline, DONE with the undisturbed masks", String.format(java.util.Locale.ROOT,
                        "%.1f s after the deadline passed (deadline clock moved %d s)", recovered,
                        pastDeadline.toSeconds()));

        // 2. Nothing ever comes back: republished max-republish times, then the job fails naming a task.
        String doomed = api.submit(request);
        api.awaitState(doomed, "scoring");
        List<ScoringTaskMessage> doomedTasks = worker.awaitTasks(doomed, 2);
        watch.check(); // the watch has seen every task: their deadlines run from now
        long lostAt = System.nanoTime();
        int maxRepublish = settings.taskDeadline().maxRepublish();
        for (int i = 1; i <= maxRepublish; i++) {
            clock.advance(pastDeadline);
            for (ScoringTaskMessage t : doomedTasks) {
                awaitPublications(doomed, t.taskId(), 1 + i);
            }
        }
        clock.advance(pastDeadline);
        JsonNode failed = api.awaitState(doomed, "failed");
        String error = failed.path("error").asText();
        assertTrue(doomedTasks.stream().anyMatch(t -> error.contains("task " + t.taskId())), error);
        assertTrue(error.contains("neither a result nor progress") && error.contains(maxRepublish + " time(s)"),
                error);
        for (ScoringTaskMessage t : doomedTasks) {
            assertEquals(1 + maxRepublish, worker.tasksOf(doomed).stream()
                    .filter(m -> m.taskId().equals(t.taskId())).count(), "published at most 1 + max-republish times");
        }
        String failedAfter = String.format(java.util.Locale.ROOT, "%.1f s of real time for %d deadlines",
                (System.nanoTime() - lostAt) / 1e9, maxRepublish + 1);

        // The next job succeeds, with the same masks.
        assertEquals(expectedMask, mask(api.runToDone(worker, request)));
        FaultRuns.report("no task ever returns", 2, "FAILED naming the task after " + maxRepublish
                + " republications; next job DONE with the undisturbed masks", failedAfter);
    }

    /** Waits until the task of the job was published at least {@code count} times; returns its publications. */
    private List<ScoringTaskMessage> awaitPublications(String jobId, String taskId, int count) {
        await().atMost(Api.JOB_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() ->
                worker.tasksOf(jobId).stream().filter(t -> t.taskId().equals(taskId)).count() >= count);
        return worker.tasksOf(jobId).stream().filter(t -> t.taskId().equals(taskId)).toList();
    }

    private String mask(JsonNode done) {
        S3Uri uri = S3Uri.parse(done.path("results").get(0).path("mask_uri").asText());
        return new String(store.getBytes(uri), StandardCharsets.UTF_8);
    }
}
