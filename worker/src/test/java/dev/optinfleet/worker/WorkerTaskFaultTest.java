package dev.optinfleet.worker;

import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskProgress;
import dev.optinfleet.schemas.task.TaskSpec;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 on the worker, against the real broker and S3 server. Item 3: tasks longer than the test profile's
 * {@code unprocessed-record-max-age} of one second (the throttled commit strategy would fail the channel on them, and
 * the task would be redelivered forever) complete, each once, queued one behind the other, and the channel stays
 * alive. Item 4c: a task whose engine fails is dead-lettered with the engine's exception type (for the coordinator
 * to count and retry elsewhere), acknowledged, never redelivered, and the next task is served.
 */
@QuarkusTest
@WithTestResource(FleetResources.class)
class WorkerTaskFaultTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final ScoringSpec FISHER = new ScoringSpec("fisher", null, null, null, null, null, 5L, 8, null, 2,
            4);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/q/health/live")
    URL liveness;

    private final List<KafkaTestClient> clients = new ArrayList<>();

    @AfterEach
    void close() {
        clients.forEach(KafkaTestClient::close);
        clients.clear();
    }

    @Test
    void tasksLongerThanTheUnprocessedRecordAgeCompleteOnceAndTheChannelLives() throws Exception {
        long limit = ConfigProvider.getConfig().getValue(
                "mp.messaging.incoming.scoring-tasks.throttled.unprocessed-record-max-age.ms", Long.class);
        assertTrue(limit < FaultInjectingExecutor.SLOW_MILLIS, "the test needs tasks longer than the limit " + limit);
        KafkaTestClient scores = client(Topics.TASK_SCORES);
        KafkaTestClient progress = client(Topics.TASK_PROGRESS);
        String job = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        List<ScoringTaskMessage> tasks = List.of(task(job, "a", TaskSpec.gradientBatch(0, 4)),
                task(job, "b", TaskSpec.gradientBatch(4, 8)));
        long started = System.nanoTime();
        for (ScoringTaskMessage t : tasks) { // one partition: b waits behind a for longer than the limit
            scores.send(Topics.SCORING_TASKS, 0, t.taskId(), Json.write(t));
        }
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> tasks.stream()
                .allMatch(t -> scores.valueOf(job + "/" + t.taskId()) != null));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(seconds * 1000 > 2 * limit, "the tasks took longer than the limit: " + seconds + " s");
        HttpResponse<String> live = get(liveness);
        assertEquals(200, live.statusCode(), "the task channel lives: " + live.body());
        // Nothing was redelivered: one result per task, also a while later.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).until(() -> tasks.stream()
                .allMatch(t -> count(scores, job + "/" + t.taskId()) == 1));
        // Each task announced its start, so the coordinator's deadline runs from the task's own progress.
        await().atMost(Duration.ofSeconds(30)).until(() -> progress.poll().stream()
                .map(r -> Json.read(r.value(), TaskProgress.class))
                .filter(p -> p.jobId().equals(job) && p.done() == 0).count() >= tasks.size());
        System.out.printf(Locale.ROOT, "FAULT-TABLE | worker: tasks of %d ms, longer than the record age limit"
                + " (%d ms in the test), one queued behind the other | 2 tasks | both scored once, channel alive |"
                + " none needed (%.1f s for both) |%n", FaultInjectingExecutor.SLOW_MILLIS, limit, seconds);
    }

    @Test
    void aTaskWhoseEngineFailsIsDeadLetteredWithTheEnginesErrorAndTheNextTaskIsServed() {
        KafkaTestClient deadLetters = client(Topics.DEAD_LETTERS);
        KafkaTestClient scores = client(Topics.TASK_SCORES);
        String run = UUID.randomUUID().toString().substring(0, 8);
        ScoringTaskMessage poison = task("poison-" + run, "p", TaskSpec.gradientBatch(0, 4));
        ScoringTaskMessage next = task("job-after-poison-" + run, "n", TaskSpec.gradientBatch(0, 4));
        long started = System.nanoTime();
        deadLetters.send(Topics.SCORING_TASKS, 0, poison.taskId(), Json.write(poison));
        deadLetters.send(Topics.SCORING_TASKS, 0, next.taskId(), Json.write(next));

        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                scores.valueOf(next.jobId() + "/" + next.taskId()) != null);
        List<DeadLetter> letters = deadLetters.poll().stream().map(r -> Json.read(r.value(), DeadLetter.class))
                .filter(d -> poison.jobId().equals(d.jobId())).toList();
        assertEquals(1, letters.size(), "dead-lettered once, never redelivered: " + letters);
        DeadLetter letter = letters.get(0);
        assertEquals("ai.djl.engine.EngineException", letter.errorType());
        assertTrue(letter.reason().contains("native out of memory"), letter.reason());
        assertEquals(poison.taskId(), letter.taskId());
        assertEquals(200, get(liveness).statusCode());
        System.out.printf(Locale.ROOT, "FAULT-TABLE | worker: the engine fails on a task | 2 tasks | dead-lettered"
                + " once as %s, not redelivered; next task scored | %.1f s for both |%n", letter.errorType(),
                (System.nanoTime() - started) / 1e9);
    }

    private static long count(KafkaTestClient client, String key) {
        return client.poll().stream().map(ConsumerRecord::key).filter(key::equals).count();
    }

    private static ScoringTaskMessage task(String job, String taskId, TaskSpec what) {
        return new ScoringTaskMessage(ScoringTaskMessage.SCHEMA_VERSION, job, taskId,
                FleetResources.MODEL.toString(), FleetResources.TOKENIZER.toString(), 0,
                FleetResources.SHARD.toString(), FISHER, what);
    }

    private KafkaTestClient client(String readTopic) {
        KafkaTestClient c = new KafkaTestClient(bootstrapServers, readTopic);
        clients.add(c);
        return c;
    }

    private static HttpResponse<String> get(URL url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString()))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
