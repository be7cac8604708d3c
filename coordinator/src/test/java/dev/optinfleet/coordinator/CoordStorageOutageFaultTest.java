package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.job.JobRequest;
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
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Issue 16 item 5: the S3 server is stopped for 20 s while a job is scoring, and again for 20 s once every score is
 * in and only the outputs remain to be written. The job stays in its state through both outages (never FAILED),
 * resumes when the server is back, and ends with exactly the masks of an undisturbed run of the same request; the
 * next job succeeds. The worker's side of an outage (a task whose inputs are unreachable is retried, not
 * dead-lettered) is {@code WorkerStorageOutageTest} in the worker module.
 */
@QuarkusTest
@WithTestResource(FaultFleetResources.class)
class CoordStorageOutageFaultTest {
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final List<Double> BUDGETS = List.of(0.6, 0.5);

    @TestHTTPResource("/")
    URL root;

    @Inject
    ObjectStore store;

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
        if (!FaultFleetResources.s3Running()) {
            FaultFleetResources.startS3();
        }
    }

    @Test
    void storageStoppedWhileScoringAndWhileOutputsAreWrittenCostsTimeNotTheJob() {
        JobRequest request = Api.request("minilm-s3-outage", BUDGETS, null, 4);
        Map<Double, String> undisturbed = FaultRuns.masks(store, api.runToDone(worker, request));

        String id = api.submit(request);
        int total = api.awaitState(id, "scoring").path("tasks_total").asInt();
        assertEquals(2, total);
        List<ScoringTaskMessage> tasks = worker.awaitTasks(id, total).stream()
                .sorted(Comparator.comparing(ScoringTaskMessage::taskId)).toList();

        // 1. While scoring: a result arrives and is merged while storage is down; the job keeps scoring.
        FaultFleetResources.stopS3();
        worker.publish(worker.score(tasks.get(0)));
        await().atMost(Api.JOB_TIMEOUT).until(() -> api.status(id).path("tasks_done").asInt() == 1);
        await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).until(() -> stateIs(id, "scoring"));
        FaultFleetResources.startS3();

        // 2. Every score in, only the outputs left: the uploads fail while storage is down; the job stays SOLVING.
        FaultFleetResources.stopS3();
        worker.publish(worker.score(tasks.get(1)));
        await().atMost(Api.JOB_TIMEOUT).until(() -> stateIs(id, "solving"));
        await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).until(() -> stateIs(id, "solving"));
        long back = System.nanoTime();
        FaultFleetResources.startS3();
        JsonNode done = api.awaitState(id, "done");
        String recovered = FaultRuns.since(back) + " from the server's return to DONE";
        assertFalse(done.hasNonNull("error"), done.toString());
        FaultRuns.assertSameMasks(undisturbed, FaultRuns.masks(store, done), "storage outages");

        // The next job succeeds.
        FaultRuns.assertSameMasks(undisturbed, FaultRuns.masks(store, api.runToDone(worker, request)),
                "the job after the outages");
        FaultRuns.report("S3 server stopped 20 s while scoring and 20 s while the outputs are written", 3,
                "DONE, masks of the undisturbed run; next job DONE", recovered);
    }

    private boolean stateIs(String id, String state) {
        String now = api.status(id).path("state").asText();
        assertFalse("failed".equals(now), "job " + id + " failed during the outage: " + api.status(id));
        return state.equals(now);
    }
}
