package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.recovery.JobRecovery;
import dev.optinfleet.coordinator.recovery.StateReader;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.storage.ObjectStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 item 6: one job, one set of inputs. The coordinator reads each input's ETag once at planning; every task
 * carries them and the job's status keeps them. The calibration shard is overwritten mid-job: the job still ends
 * with exactly the masks of an undisturbed run (its finishing step reads the pinned version, which its cache holds),
 * and a job pinned to a version that is gone from the cache and the server (planned before the overwrite by a
 * coordinator that died) fails naming the object and both ETags. The next job succeeds. The worker's side (a task
 * whose pinned version is gone is dead-lettered naming the object) is in the worker's ScoringTaskConsumerTest.
 */
@QuarkusTest
@WithTestResource(FaultFleetResources.class)
class CoordInputChangeFaultTest {
    private static final List<Double> BUDGETS = List.of(0.5);

    @TestHTTPResource("/")
    URL root;

    @Inject
    ObjectStore store;

    @Inject
    JobRecovery recovery;

    private Api api;
    private TestWorker worker;

    @BeforeEach
    void start() {
        api = new Api(root);
        api.awaitReady();
        worker = new TestWorker(FaultFleetResources.bootstrapServers());
    }

    @AfterEach
    void close() {
        worker.close();
        store.putFile(CoordFleetResources.SHARD, CoordFleetResources.localShard());
    }

    @Test
    void anInputOverwrittenMidJobNeitherMixesVersionsNorGoesUnnoticed() throws Exception {
        long started = System.nanoTime();
        JobRequest request = Api.request("minilm-input-change", BUDGETS, null, 4);
        JsonNode reference = api.runToDone(worker, request);
        Map<Double, String> undisturbed = FaultRuns.masks(store, reference);

        String id = api.submit(request);
        int total = api.awaitState(id, "scoring").path("tasks_total").asInt();
        List<ScoringTaskMessage> tasks = worker.awaitTasks(id, total);
        String shard = CoordFleetResources.SHARD.toString();
        String planned = store.stat(CoordFleetResources.SHARD).etag();
        Map<String, String> pinned = Map.of(
                CoordFleetResources.MODEL.toString(), store.stat(CoordFleetResources.MODEL).etag(),
                CoordFleetResources.TOKENIZER.toString(), store.stat(CoordFleetResources.TOKENIZER).etag(),
                shard, planned);
        for (ScoringTaskMessage t : tasks) {
            assertEquals(pinned, t.inputEtags(), "task " + t.taskId() + " carries every input's planned ETag");
        }
        JobStatus status = new StateReader(FaultFleetResources.bootstrapServers(), Duration.ofSeconds(30)).read()
                .statuses().get(id);
        assertEquals(pinned, status.inputEtags(), "the status keeps them for a restarted coordinator");

        // Overwritten mid-job with other texts (the same lines in reverse order).
        List<String> lines = new ArrayList<>(Files.readAllLines(CoordFleetResources.localShard()));
        Collections.reverse(lines);
        store.putBytes(CoordFleetResources.SHARD, String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        String current = store.stat(CoordFleetResources.SHARD).etag();
        assertNotEquals(planned, current);
        tasks.forEach(t -> worker.publish(worker.score(t)));
        JsonNode done = api.awaitState(id, "done");
        FaultRuns.assertSameMasks(undisturbed, FaultRuns.masks(store, done), "shard overwritten mid-job");

        // A job planned on the old version by a coordinator that is gone, resumed here where no copy of that
        // version exists any more (its pinned ETag is neither cached nor on the server): it fails naming the object.
        String orphan = "input-gone-" + UUID.randomUUID();
        Map<String, String> gone = new HashMap<>(pinned);
        gone.put(shard, "0123456789abcdef0123456789abcdef");
        JobStatus template = status;
        worker.send(Topics.JOB_STATUS, orphan, Json.write(new JobStatus(JobStatus.SCHEMA_VERSION, orphan,
                JobState.SCORING, template.request(), template.tasksTotal(), 0, template.unitsTotal(), 0,
                template.submittedAt(), template.updatedAt(), null, null, List.of(), null, null, gone)));
        assertEquals(1, recovery.recover().adopted());
        JsonNode failed = api.awaitState(orphan, "failed");
        String error = failed.path("error").asText();
        assertTrue(error.contains(shard) && error.contains(gone.get(shard)) && error.contains(current),
                "names the object, the pinned and the found ETag: " + error);

        // The next job (the shard as it was) succeeds.
        store.putFile(CoordFleetResources.SHARD, CoordFleetResources.localShard());
        FaultRuns.assertSameMasks(undisturbed, FaultRuns.masks(store, api.runToDone(worker, request)),
                "the job after the change");
        FaultRuns.report("calibration shard overwritten mid-job; a job pinned to a version gone from everywhere", 4,
                "DONE with the planned version's masks; the orphan FAILED naming shard and ETags; next job DONE",
                "none needed (" + FaultRuns.since(started) + " for all four jobs)");
    }
}
