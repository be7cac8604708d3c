package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.recovery.JobRecovery;
import dev.optinfleet.coordinator.recovery.RecoveredState;
import dev.optinfleet.coordinator.recovery.StateReader;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recovery from the topics. The full kill-and-restart of a coordinator process is tested in the cli module; here
 * the recovery component reads the real topics after half of a job's results were published, and the running
 * coordinator adopts jobs it has never seen, written to the topics as another coordinator left them (scoring with
 * half its results, accepted with one result, solving with all): each carries on without publishing a task that
 * has a result, and ends with the same masks as the job that ran without interruption.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class CoordRecoveryTest {
    private static final int TASKS = 4;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL root;

    @Inject
    JobRecovery recovery;

    @Inject
    ObjectStore store;

    private TestWorker worker;
    private Api api;

    @BeforeEach
    void start() {
        api = new Api(root);
        api.awaitReady();
        worker = new TestWorker(bootstrapServers);
    }

    @AfterEach
    void close() {
        worker.close();
    }

    @Test
    void unfinishedJobsAreRebuiltFromTheTopicsWithoutRescoringDoneTasks() {
        // A job scored halfway: 8 samples in tasks of 2, results of the first two tasks published.
        String original = api.submit(Api.request("minilm-rec", List.of(0.5), null, 2));
        api.awaitState(original, "scoring");
        List<ScoringTaskMessage> tasks = worker.awaitTasks(original, TASKS).stream()
                .sorted(Comparator.comparing(ScoringTaskMessage::taskId)).toList();
        TaskScores r0 = worker.score(tasks.get(0));
        TaskScores r1 = worker.score(tasks.get(1));
        worker.publish(r0);
        worker.publish(r1);
        await().atMost(Api.JOB_TIMEOUT).until(() -> api.status(original).path("tasks_done").asInt() == 2);

        // What a second coordinator's recovery reads from the topics.
        RecoveredState state = new StateReader(bootstrapServers, Duration.ofSeconds(30)).read();
        JobStatus status = state.statuses().get(original);
        assertEquals(JobState.SCORING, status.state());
        assertEquals(TASKS, status.tasksTotal());
        assertEquals(Set.of(r0.taskId(), r1.taskId()), state.scoresOf(original).keySet());

        // 1. Scoring, half its results stored: the two tasks without a result are published again (a task record
        // lost with a failed broker would otherwise never be scored), and it completes from them.
        String scoring = "rec-scoring-" + UUID.randomUUID();
        long old = status.updatedAt() - 60_000;
        writeStatus(status, scoring, JobState.SCORING, old);
        worker.publish(TestWorker.forJob(r0, scoring));
        worker.publish(TestWorker.forJob(r1, scoring));
        int tasksBefore = worker.taskRecordsToEnd().size();
        JobRecovery.Summary summary = recovery.recover();
        assertEquals(1, summary.adopted(), summary.toString());
        assertEquals(2, summary.storedResults(), summary.toString());
        // Resumed: planned again with the stored results merged, and its status published anew.
        await().atMost(Api.JOB_TIMEOUT).until(() -> {
            JsonNode s = api.status(scoring);
            return s.path("tasks_done").asInt() == 2 && s.path("updated_at").asLong() > old;
        });
        assertEquals("scoring", api.status(scoring).path("state").asText());
        List<ScoringTaskMessage> resumed = worker.awaitTasks(scoring, 2);
        assertEquals(Set.of(tasks.get(2).taskId(), tasks.get(3).taskId()),
                resumed.stream().map(ScoringTaskMessage::taskId).collect(Collectors.toSet()),
                "a resumed scoring job publishes exactly its tasks without a stored result");
        assertEquals(2, resumed.size(), "each once");
        assertEquals(tasksBefore + 2, worker.taskRecordsToEnd().size());
        resumed.forEach(t -> worker.publish(worker.score(t)));
        String expectedMask = mask(api.awaitState(scoring, "done"));

        // 2. Accepted, one result stored: planned again, only the three tasks without a result are published.
        String accepted = "rec-accepted-" + UUID.randomUUID();
        writeStatus(status, accepted, JobState.ACCEPTED, old);
        worker.publish(TestWorker.forJob(r0, accepted));
        assertEquals(1, recovery.recover().adopted());
        api.awaitState(accepted, "scoring");
        worker.taskRecordsToEnd();
        List<ScoringTaskMessage> republished = worker.tasksOf(accepted);
        assertEquals(Set.of(tasks.get(1).taskId(), tasks.get(2).taskId(), tasks.get(3).taskId()),
                republished.stream().map(ScoringTaskMessage::taskId).collect(Collectors.toSet()),
                "exactly the tasks without a stored result");
        assertEquals(3, republished.size(), "each once");
        republished.forEach(t -> worker.publish(worker.score(t)));
        assertEquals(expectedMask, mask(api.awaitState(accepted, "done")));

        // 3. Solving, every result stored: solved again without any task.
        String solving = "rec-solving-" + UUID.randomUUID();
        writeStatus(status, solving, JobState.SOLVING, old);
        for (ScoringTaskMessage t : tasks) {
            worker.publish(TestWorker.forJob(worker.score(t), solving));
        }
        int beforeSolving = worker.taskRecordsToEnd().size();
        recovery.recover();
        assertEquals(expectedMask, mask(api.awaitState(solving, "done")));
        assertEquals(beforeSolving, worker.taskRecordsToEnd().size(), "a solving job publishes no task");

        // The uninterrupted job ends with the same mask; a repeated recovery adopts nothing.
        worker.publish(worker.score(tasks.get(2)));
        worker.publish(worker.score(tasks.get(3)));
        assertEquals(expectedMask, mask(api.awaitState(original, "done")));
        assertEquals(0, recovery.recover().adopted());
    }

    /** Writes a status for a job this coordinator never saw, as another coordinator would have left it. */
    private void writeStatus(JobStatus template, String jobId, JobState state, long updatedAt) {
        JobStatus s = new JobStatus(JobStatus.SCHEMA_VERSION, jobId, state, template.request(),
                state == JobState.ACCEPTED ? 0 : template.tasksTotal(), 0,
                state == JobState.ACCEPTED ? 0 : template.unitsTotal(), 0, template.submittedAt(), updatedAt, null,
                null, List.of(), null, null);
        worker.send(Topics.JOB_STATUS, jobId, Json.write(s));
    }

    private String mask(JsonNode done) {
        S3Uri uri = S3Uri.parse(done.path("results").get(0).path("mask_uri").asText());
        assertTrue(uri.key().contains(done.path("job_id").asText()), "each job writes under its own prefix: " + uri);
        return new String(store.getBytes(uri), StandardCharsets.UTF_8);
    }
}
