package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinator's input topics: dead letters fail their job (and only it), unusable results and job requests
 * are dead-lettered with the reason while everything else carries on, and valid requests on the topic run.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class CoordMessagingTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL root;

    private TestWorker worker;
    private Api api;
    private KafkaConsumer<String, String> deadLetters;
    private final List<DeadLetter> letters = new ArrayList<>();

    @BeforeEach
    void start() {
        api = new Api(root);
        api.awaitReady();
        worker = new TestWorker(bootstrapServers);
        deadLetters = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(),
                new StringDeserializer());
        TopicPartition p = new TopicPartition(Topics.DEAD_LETTERS, 0);
        deadLetters.assign(List.of(p));
        deadLetters.seekToBeginning(List.of(p));
    }

    @AfterEach
    void close() {
        worker.close();
        deadLetters.close();
    }

    @Test
    void deadLetterFailsItsJobWithTheReasonWhileAnotherJobCompletes() {
        JobRequest request = Api.request("minilm-dl", List.of(0.5), null, 4);
        String doomed = api.submit(request);
        String healthy = api.submit(request);
        api.awaitState(doomed, "scoring");
        api.awaitState(healthy, "scoring");
        List<ScoringTaskMessage> doomedTasks = worker.awaitTasks(doomed, 2);

        String missing = "s3://" + CoordFleetResources.BUCKET + "/models/minilm/1/model.onnx (NoSuchKey)";
        ScoringTaskMessage failing = doomedTasks.get(1);
        DeadLetter letter = letter(doomed, failing, "object not found: " + missing,
                "dev.optinfleet.storage.ObjectNotFoundException", "worker-7");
        worker.send(Topics.DEAD_LETTERS, failing.taskId(), Json.write(letter));

        JsonNode failed = api.awaitState(doomed, "failed");
        String error = failed.path("error").asText();
        assertTrue(error.contains(missing), "error carries the reason: " + error);
        assertTrue(error.contains(failing.taskId()) && error.contains("worker-7"), error);

        // Results of the failed job arriving later change nothing; the other job completes.
        worker.publish(worker.score(doomedTasks.get(0)));
        worker.awaitTasks(healthy, 2).forEach(t -> worker.publish(worker.score(t)));
        JsonNode done = api.awaitState(healthy, "done");
        assertEquals(1, done.path("results").size());
        JsonNode stillFailed = api.status(doomed);
        assertEquals("failed", stillFailed.path("state").asText());
        assertEquals(error, stillFailed.path("error").asText());
        assertEquals(0, stillFailed.path("results").size());
    }

    @Test
    void deadLetterOfAnAlreadyMergedTaskLeavesItsJobRunning() {
        JobRequest request = Api.request("minilm-dl-merged", List.of(0.5), null, 4);
        String survivor = api.submit(request);
        String doomed = api.submit(request);
        api.awaitState(survivor, "scoring");
        api.awaitState(doomed, "scoring");
        List<ScoringTaskMessage> tasks = worker.awaitTasks(survivor, 2);
        ScoringTaskMessage merged = tasks.get(0);
        worker.publish(worker.score(merged));
        await().atMost(Duration.ofMinutes(1)).until(() -> api.status(survivor).path("tasks_done").asInt() == 1);

        // Both letters under one key, so one partition: once the doomed job has failed, the first was consumed.
        String key = "same-partition";
        worker.send(Topics.DEAD_LETTERS, key, Json.write(letter(survivor, merged, "late redelivery failed", ENGINE_FAILURE, "worker-9")));
        ScoringTaskMessage other = worker.awaitTasks(doomed, 2).get(0);
        // (a task-level error: a retryable one, the engine's, would be retried elsewhere instead; PoisonTaskFaultTest)
        worker.send(Topics.DEAD_LETTERS, key, Json.write(letter(doomed, other, "object not found: s3://x/y",
                "dev.optinfleet.storage.ObjectNotFoundException", "worker-9")));
        api.awaitState(doomed, "failed");

        assertEquals("scoring", api.status(survivor).path("state").asText(),
                "a dead letter of a merged task must not fail its job");
        worker.publish(worker.score(tasks.get(1)));
        assertEquals(1, api.awaitState(survivor, "done").path("results").size());
    }

    private static final String ENGINE_FAILURE = "ai.djl.engine.EngineException";

    /** What a worker dead-letters when it gives up on {@code task} of {@code jobId}. */
    private static DeadLetter letter(String jobId, ScoringTaskMessage task, String reason, String exception,
                                     String processor) {
        return new DeadLetter(DeadLetter.SCHEMA_VERSION, Topics.SCORING_TASKS, 0, 3, task.taskId(), Json.write(task),
                reason, exception, jobId, task.taskId(), processor, System.currentTimeMillis());
    }

    @Test
    void unusableResultsAreDeadLetteredAndMergingGoesOn() {
        String id = api.submit(Api.request("minilm-bad-results", List.of(0.5), null, 4));
        api.awaitState(id, "scoring");
        List<ScoringTaskMessage> tasks = worker.awaitTasks(id, 2);
        TaskScores good = worker.score(tasks.get(0));

        String malformed = Json.write(good).replace("\"worker_id\":\"test-worker\"", "\"worker_id\":42,\"x\":1")
                .replace("\"units_scored\":", "\"units_scored\":\"many\",\"u\":");
        worker.send(Topics.TASK_SCORES, "garbled", "{\"job_id\": \"" + id + "\", \"task_id\": \"t\", \"terms\": [");
        worker.send(Topics.TASK_SCORES, good.key() + "-typo", malformed);
        TaskScores stranger = new TaskScores(TaskScores.SCHEMA_VERSION, id, "s9-samples-0-4", "test-worker",
                good.terms(), good.unitsScored(), 1, "test");
        worker.publish(stranger);

        DeadLetter garbled = awaitDeadLetter("garbled");
        assertTrue(garbled.reason().contains("not valid JSON"), garbled.reason());
        assertEquals("test-coordinator", garbled.processor());
        assertEquals(Topics.TASK_SCORES, garbled.sourceTopic());
        DeadLetter typo = awaitDeadLetter(good.key() + "-typo");
        assertTrue(typo.reason().contains("TaskScores"), typo.reason());
        DeadLetter unknownTask = awaitDeadLetter(stranger.key());
        assertTrue(unknownTask.reason().contains("s9-samples-0-4"), unknownTask.reason());

        // The bad records were skipped: the job still completes from its valid results.
        tasks.forEach(t -> worker.publish(worker.score(t)));
        JsonNode done = api.awaitState(id, "done");
        assertEquals(2, done.path("tasks_done").asInt(), done.toString());
    }

    @Test
    void jobRequestsFromTheTopicAreValidatedLikeRestOnes() {
        String key = "topic-job-" + UUID.randomUUID().toString().substring(0, 8);
        JobRequest sample = Api.request("minilm-topic", List.of(0.5), null, 4);
        JobRequest request = new JobRequest(sample.schemaVersion(), sample.name(), sample.modelUri(), null,
                sample.calibrationUris(), sample.budgets(), null, null, 4, null, null, null);
        worker.send(Topics.JOB_REQUESTS, key + "-bad", Json.write(request).replace("[0.5]", "[2.0]"));
        worker.send(Topics.JOB_REQUESTS, key, Json.write(request));
        // Delivered twice (at least once): accepted once.
        worker.send(Topics.JOB_REQUESTS, key, Json.write(request));

        DeadLetter bad = awaitDeadLetter(key + "-bad");
        assertTrue(bad.reason().contains("budgets[0]"), bad.reason());
        assertEquals(Topics.JOB_REQUESTS, bad.sourceTopic());
        JsonNode scoring = api.awaitState(key, "scoring");
        assertEquals("event", scoring.path("request").path("source").asText(), "recorded where it came from");
        assertEquals(2, worker.awaitTasks(key, 2).size());
        assertEquals(1, api.get("/jobs").body().split("\"job_id\":\"" + key + "\"", -1).length - 1,
                "one job for the repeated request");
        HttpStatusAssert.notFound(api, "/jobs/" + key + "-bad");
    }

    private DeadLetter awaitDeadLetter(String key) {
        AtomicReference<DeadLetter> found = new AtomicReference<>();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (ConsumerRecord<String, String> r : deadLetters.poll(Duration.ofMillis(200))) {
                letters.add(Json.read(r.value(), DeadLetter.class));
            }
            letters.stream().filter(d -> key.equals(d.key())).findFirst().ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }

    /** Small status assertions on raw responses. */
    static final class HttpStatusAssert {
        static void notFound(Api api, String path) {
            var r = api.get(path);
            assertEquals(404, r.statusCode(), r.body());
        }
    }
}
