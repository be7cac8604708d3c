package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.messaging.TaskPublisher;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 on the real broker and S3 server, around a task's result:
 *
 * <ul>
 * <li>A dead letter for a task whose scores are already merged (a redelivered copy failed on another worker after
 * one had succeeded; the job lacks nothing) neither fails the job nor publishes the task again, whatever its error
 * type; the job ends DONE with the masks of an undisturbed run. A dead letter of a job already DONE changes nothing.
 * <li>A 20 MB result record (the real result padded with JSON whitespace to 20,000,000 bytes, as large as the scores
 * of a big model's task) is accepted by the broker (the task-scores topic and the producers allow 32 MiB), fetched,
 * read and merged: the job ends DONE with the undisturbed masks.
 * </ul>
 * In both, the next job succeeds.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class MergedResultFaultTest extends FleetTestBase {
    private static final String DEAD_LETTER_GROUP = "optin-coordinator-dead-letters";
    private static final int LARGE_RESULT_BYTES = 20_000_000;

    @Test
    void aDeadLetterOfAMergedTaskOrOfAFinishedJobIsIgnored() throws Exception {
        JobRequest request = Api.request("minilm-merged-dead-letter", List.of(0.5), null, 4);
        String undisturbed = mask(api.runToDone(worker, request));

        String id = api.submit(request);
        api.awaitState(id, "scoring");
        List<ScoringTaskMessage> tasks = sorted(worker.awaitTasks(id, 2));
        ScoringTaskMessage merged = tasks.get(0);
        worker.publish(worker.score(merged));
        await().atMost(Api.JOB_TIMEOUT).until(() -> api.status(id).path("tasks_done").asInt() == 1);

        // A redelivered copy of the merged task failed elsewhere: once for a bad input, once in the engine.
        long sent = System.nanoTime();
        sendDeadLetter(id, merged, "java.lang.IllegalStateException", "the copy redelivered to worker-2 failed");
        sendDeadLetter(id, merged, "ai.djl.engine.EngineException", "native out of memory on worker-3");
        awaitDeadLettersConsumed();
        JsonNode scoring = api.status(id);
        assertEquals("scoring", scoring.path("state").asText(), "the dead letters failed nothing: " + scoring);
        String retryKey = TaskPublisher.retryKey(id, merged.taskId(), 2);
        assertFalse(worker.taskRecordsToEnd().stream().anyMatch(r -> retryKey.equals(r.key())),
                "a merged task is not published again");

        worker.publish(worker.score(tasks.get(1)));
        JsonNode done = api.awaitState(id, "done");
        String recovered = "none needed (" + FaultRuns.since(sent) + " from the dead letters to DONE)";
        assertFalse(done.hasNonNull("error"), done.toString());
        assertEquals(undisturbed, mask(done), "the masks of the undisturbed run");

        // After DONE: a late dead letter of the finished job leaves it DONE.
        sendDeadLetter(id, tasks.get(1), "java.lang.IllegalStateException", "a late copy failed on worker-4");
        awaitDeadLettersConsumed();
        JsonNode still = api.status(id);
        assertEquals("done", still.path("state").asText(), still.toString());
        assertFalse(still.hasNonNull("error"), still.toString());

        assertEquals(undisturbed, mask(api.runToDone(worker, request)), "the next job");
        FaultRuns.report("a dead letter for a task whose scores are merged (2 error types), and one after DONE", 3,
                "ignored: DONE with the undisturbed masks, no republication; next job DONE", recovered);
    }

    @Test
    void aTwentyMegabyteResultIsDeliveredAndMerged() {
        JobRequest request = Api.request("minilm-large-result", List.of(0.5), null, 4);
        String undisturbed = mask(api.runToDone(worker, request));

        String id = api.submit(request);
        api.awaitState(id, "scoring");
        List<ScoringTaskMessage> tasks = sorted(worker.awaitTasks(id, 2));
        TaskScores scores = worker.score(tasks.get(0));
        String large = padded(Json.write(scores), LARGE_RESULT_BYTES);
        assertEquals(LARGE_RESULT_BYTES, large.getBytes(StandardCharsets.UTF_8).length);
        long sent = System.nanoTime();
        worker.send(Topics.TASK_SCORES, scores.key(), large); // acknowledged by the broker, or this throws
        await().atMost(Api.JOB_TIMEOUT).until(() -> api.status(id).path("tasks_done").asInt() == 1);
        String merged = FaultRuns.since(sent);
        worker.publish(worker.score(tasks.get(1)));
        JsonNode done = api.awaitState(id, "done");
        assertFalse(done.hasNonNull("error"), done.toString());
        assertEquals(undisturbed, mask(done), "the masks of the undisturbed run");

        assertEquals(undisturbed, mask(api.runToDone(worker, request)), "the next job");
        FaultRuns.report("a 20 MB result record (20,000,000 bytes)", 3,
                "kept: delivered and merged, DONE with the undisturbed masks; next job DONE",
                "none needed (" + merged + " from its send to merged)");
    }

    /** The JSON object with whitespace before its closing brace, to exactly {@code bytes} bytes: same content. */
    private static String padded(String json, int bytes) {
        int size = json.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(size < bytes && json.endsWith("}"), "a result of " + size + " bytes");
        return json.substring(0, json.length() - 1) + " ".repeat(bytes - size) + "}";
    }

    private void sendDeadLetter(String jobId, ScoringTaskMessage task, String errorType, String reason) {
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION, Topics.SCORING_TASKS, 0, 0, task.taskId(),
                Json.write(task), reason, errorType, jobId, task.taskId(), "worker-2", System.currentTimeMillis());
        worker.send(Topics.DEAD_LETTERS, task.taskId(), Json.write(letter));
    }

    /** Waits until the coordinator's dead-letter group committed every dead letter sent so far. */
    private void awaitDeadLettersConsumed() throws Exception {
        TopicPartition partition = new TopicPartition(Topics.DEAD_LETTERS, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS)
                    .get(partition).offset();
            await().atMost(Api.JOB_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(DEAD_LETTER_GROUP)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(partition);
                return committed != null && committed.offset() >= end;
            });
        }
    }

    private static List<ScoringTaskMessage> sorted(List<ScoringTaskMessage> tasks) {
        return tasks.stream().sorted(Comparator.comparing(ScoringTaskMessage::taskId)).toList();
    }

    private String mask(JsonNode done) {
        return FaultRuns.masks(store, done).values().iterator().next();
    }
}
