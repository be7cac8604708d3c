package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.messaging.TaskPublisher;
import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 item 4c on the real broker and S3 server: a poison task, whose every delivery fails in the engine (the
 * worker dead-letters it with {@code ai.djl.engine.EngineException}, as its task consumer does), is published again
 * for another worker under a key of its attempt, at most {@code optin.coordinator.task-attempts} deliveries in all;
 * then its job fails naming the task and the cause, within a bounded time, and the next job succeeds with the masks
 * of an undisturbed run. A task that fails once in the engine and then succeeds elsewhere leaves the masks unchanged.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class PoisonTaskFaultTest extends FleetTestBase {
    private static final String ENGINE_FAILURE = "ai.djl.engine.EngineException";

    @Inject
    CoordinatorSettings settings;

    @Test
    void aPoisonTaskFailsItsJobNamingTheCauseAndATransientEngineFailureIsRetried() {
        JobRequest request = Api.request("minilm-poison", List.of(0.5), null, 4);
        String expectedMask = mask(api.runToDone(worker, request));
        int attempts = settings.taskAttempts();

        // 1. The engine fails once on one task (another worker has the memory): retried, same masks.
        String flaky = api.submit(request);
        api.awaitState(flaky, "scoring");
        List<ScoringTaskMessage> tasks = sorted(worker.awaitTasks(flaky, 2));
        worker.publish(worker.score(tasks.get(0)));
        worker.send(Topics.DEAD_LETTERS, tasks.get(1).taskId(), Json.write(engineFailure(flaky, tasks.get(1), 1)));
        ScoringTaskMessage retry = awaitDelivery(flaky, tasks.get(1).taskId(), 2);
        worker.publish(worker.score(retry));
        assertEquals(expectedMask, mask(api.awaitState(flaky, "done")), "the masks of the undisturbed run");

        // 2. The poison task: every delivery fails in the engine.
        long started = System.nanoTime();
        String poisoned = api.submit(request);
        api.awaitState(poisoned, "scoring");
        List<ScoringTaskMessage> poisonedTasks = sorted(worker.awaitTasks(poisoned, 2));
        ScoringTaskMessage poison = poisonedTasks.get(1);
        worker.publish(worker.score(poisonedTasks.get(0)));
        for (int delivery = 1; delivery <= attempts; delivery++) {
            if (delivery > 1) {
                awaitDelivery(poisoned, poison.taskId(), delivery);
            }
            worker.send(Topics.DEAD_LETTERS, poison.taskId(), Json.write(engineFailure(poisoned, poison, delivery)));
        }
        JsonNode failed = api.awaitState(poisoned, "failed");
        double seconds = (System.nanoTime() - started) / 1e9;
        String error = failed.path("error").asText();
        assertTrue(error.contains("task " + poison.taskId()), error);
        assertTrue(error.contains(attempts + " of at most " + attempts + " deliveries"), error);
        assertTrue(error.contains(ENGINE_FAILURE) && error.contains("native out of memory"), "names the cause: "
                + error);
        assertEquals(attempts, deliveries(poisoned, poison.taskId()).size(), "never delivered more than "
                + attempts + " times");

        // The next job succeeds.
        assertEquals(expectedMask, mask(api.runToDone(worker, request)));
        FaultRuns.report("the engine fails once on a task, then a poison task (fails in the engine on every"
                + " delivery)", 4, "the first retried as job/task#2, DONE with the undisturbed masks; the poison"
                + " FAILED naming task and cause after " + attempts + " deliveries; next job DONE",
                String.format(java.util.Locale.ROOT, "%.1f s from the poison's submission to FAILED", seconds));
    }

    /** Waits for the {@code attempt}-th delivery of the task (keyed {@code job/task#attempt} from the second on). */
    private ScoringTaskMessage awaitDelivery(String jobId, String taskId, int attempt) {
        String key = TaskPublisher.retryKey(jobId, taskId, attempt);
        await().atMost(Api.JOB_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() ->
                worker.taskRecords().stream().anyMatch(r -> key.equals(r.key())));
        List<ConsumerRecord<String, String>> all = deliveries(jobId, taskId);
        Set<String> keys = new HashSet<>();
        all.forEach(r -> keys.add(r.key()));
        assertEquals(attempt, keys.size(), "one record per attempt: " + keys);
        assertTrue(keys.contains(Records.taskKey(jobId, taskId)), "the first delivery keeps the plain key: " + keys);
        return Json.read(all.get(all.size() - 1).value(), ScoringTaskMessage.class);
    }

    private List<ConsumerRecord<String, String>> deliveries(String jobId, String taskId) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : worker.taskRecordsToEnd()) {
            ScoringTaskMessage t = Json.read(r.value(), ScoringTaskMessage.class);
            if (t.jobId().equals(jobId) && t.taskId().equals(taskId)) {
                out.add(r);
            }
        }
        return out;
    }

    /** What a worker's task consumer dead-letters when the engine throws on a delivery of the task. */
    private static DeadLetter engineFailure(String jobId, ScoringTaskMessage task, int delivery) {
        return new DeadLetter(DeadLetter.SCHEMA_VERSION, Topics.SCORING_TASKS, 0, delivery, task.taskId(),
                Json.write(task), "native out of memory: cannot allocate 17179869184 bytes", ENGINE_FAILURE, jobId,
                task.taskId(), "worker-" + delivery, System.currentTimeMillis());
    }

    private static List<ScoringTaskMessage> sorted(List<ScoringTaskMessage> tasks) {
        return tasks.stream().sorted(Comparator.comparing(ScoringTaskMessage::taskId)).toList();
    }

    private String mask(JsonNode done) {
        S3Uri uri = S3Uri.parse(done.path("results").get(0).path("mask_uri").asText());
        return new String(store.getBytes(uri), StandardCharsets.UTF_8);
    }
}
