package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.recovery.StateReader;
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
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 16 item 9: the broker (a real Kafka process) is stopped mid-job, right after the job's last score was
 * merged, so that the finishing step's DONE status is published while it is down (for 15 s); it is started again
 * on the same ports from the same logs. The publish rides out the restart: the job ends DONE with exactly the masks of an
 * undisturbed run, the status topic says DONE too (memory and topic agree), and the next job succeeds.
 */
@QuarkusTest
@WithTestResource(FaultFleetResources.class)
class CoordBrokerRestartFaultTest {
    private static final List<Double> BUDGETS = List.of(0.6);
    private static final Duration OUTAGE = Duration.ofSeconds(15);

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
    }

    @Test
    void aBrokerRestartedWhileTheJobFinishesCostsTimeNotTheJob() {
        JobRequest request = Api.request("minilm-broker-restart", BUDGETS, null, 4);
        Map<Double, String> undisturbed = FaultRuns.masks(store, api.runToDone(worker, request));

        String id = api.submit(request);
        int total = api.awaitState(id, "scoring").path("tasks_total").asInt();
        List<ScoringTaskMessage> tasks = worker.awaitTasks(id, total).stream()
                .sorted(Comparator.comparing(ScoringTaskMessage::taskId)).toList();
        tasks.forEach(t -> worker.publish(worker.score(t)));
        await().atMost(Api.JOB_TIMEOUT).until(() -> api.status(id).path("tasks_done").asInt() == total);

        long down = System.nanoTime();
        FaultFleetResources.stopBroker();
        // Down for 15 s while the finishing step runs and publishes: the job must not fail meanwhile.
        await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).until(() -> {
            String state = api.status(id).path("state").asText();
            return state.equals("solving") || state.equals("done");
        });
        FaultFleetResources.startBroker();
        long back = System.nanoTime();
        JsonNode done = api.awaitState(id, "done");
        FaultRuns.assertSameMasks(undisturbed, FaultRuns.masks(store, done), "broker restart");
        // What a restarted coordinator would rebuild from: the topic says DONE as well.
        AtomicReference<JobStatus> onTopic = new AtomicReference<>();
        await().atMost(Api.JOB_TIMEOUT).until(() -> {
            onTopic.set(new StateReader(FaultFleetResources.bootstrapServers(), Duration.ofSeconds(30)).read()
                    .statuses().get(id));
            return onTopic.get() != null && onTopic.get().state().isFinal();
        });
        assertEquals(JobState.DONE, onTopic.get().state(), "the status topic agrees with the coordinator");
        String recovered = FaultRuns.since(back) + " from the broker's return to DONE (down "
                + Math.round((back - down) / 1e9) + " s)";

        // The next job succeeds, on a fresh client of the restarted broker as well.
        worker.close();
        worker = new TestWorker(FaultFleetResources.bootstrapServers());
        FaultRuns.assertSameMasks(undisturbed, FaultRuns.masks(store, api.runToDone(worker, request)),
                "the job after the restart");
        FaultRuns.report("Kafka broker stopped 15 s and restarted while the job's outputs are written", 3,
                "DONE, masks of the undisturbed run, status topic DONE; next job DONE", recovered);
    }
}
