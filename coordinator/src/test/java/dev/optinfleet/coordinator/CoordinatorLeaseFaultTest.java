package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.lease.CoordinatorLease;
import dev.optinfleet.coordinator.lease.LeaseGate;
import dev.optinfleet.coordinator.messaging.KafkaClientProperties;
import dev.optinfleet.fleet.threads.NamedThreads;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 item 7 on the real broker: the running coordinator holds the lease; a second coordinator's lease in the
 * same group stands by (never acquires it) while a job runs and ends with the masks of an undisturbed run; and of
 * two contenders, the waiting one takes the lease over once the holder stops. (The process-level scenario, a second
 * coordinator process that does not start its channels until the first is gone, is in the cli module's fleet
 * scenarios.)
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class CoordinatorLeaseFaultTest extends FleetTestBase {
    private static final Duration SESSION = Duration.ofSeconds(6);

    @Inject
    LeaseGate gate;

    @Inject
    KafkaClientProperties kafka;

    @Test
    void aSecondCoordinatorStandsByWhileTheFirstIsActiveAndTakesOverWhenItStops() {
        assertTrue(gate.isActive(), "the running coordinator holds the lease");
        JobRequest request = Api.request("minilm-lease", List.of(0.5), null, 4);
        String expectedMask = mask(api.runToDone(worker, request));

        try (CoordinatorLease second = new CoordinatorLease(kafka.common(), Topics.COORDINATOR_LEASE,
                LeaseGate.GROUP, "second-coordinator", SESSION, () -> { })) {
            NamedThreads.start("second-lease", second::run);
            assertEquals(expectedMask, mask(api.runToDone(worker, request)), "the masks of an undisturbed run");
            assertFalse(second.isHeld() || second.acquired().isDone(), "the second coordinator must stand by");
            assertTrue(gate.isActive(), "the first one stays active");
        }
        assertTrue(gate.isActive(), "a standby leaving changes nothing");

        // Take-over, with two contenders of a group of their own.
        String takeover;
        String group = "lease-test-" + UUID.randomUUID();
        CoordinatorLease first = new CoordinatorLease(kafka.common(), Topics.COORDINATOR_LEASE, group, "a", SESSION,
                () -> { });
        NamedThreads.start("lease-a", first::run);
        await().atMost(Duration.ofMinutes(1)).until(first::isHeld);
        try (CoordinatorLease standby = new CoordinatorLease(kafka.common(), Topics.COORDINATOR_LEASE, group, "b",
                SESSION, () -> { })) {
            NamedThreads.start("lease-b", standby::run);
            // Watched for longer than a session timeout: a joining contender must never take the lease.
            await().during(SESSION.plusSeconds(2)).atMost(SESSION.plusSeconds(20))
                    .until(() -> first.isHeld() && !standby.isHeld());
            long stopped = System.nanoTime();
            first.close();
            await().atMost(SESSION.multipliedBy(3)).until(standby::isHeld);
            takeover = FaultRuns.since(stopped) + " from the holder's stop to the standby's lease";
        }
        assertEquals(expectedMask, mask(api.runToDone(worker, request)), "the next job succeeds");
        FaultRuns.report("a second coordinator's lease (in the test JVM)", 3, "it stood by while a job ended DONE"
                + " with the undisturbed masks; a waiting contender took the lease when the holder stopped; next job"
                + " DONE", takeover);
    }

    private String mask(JsonNode done) {
        S3Uri uri = S3Uri.parse(done.path("results").get(0).path("mask_uri").asText());
        return new String(store.getBytes(uri), StandardCharsets.UTF_8);
    }
}
