package dev.optinfleet.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.embedded.QuarkusAppProcess;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 item 7 with real processes: a second coordinator started next to the active one (a rolling update, a
 * mistaken scale-up) stands by, not ready, without joining any of the coordinator's consumer groups, while a job
 * ends with exactly the masks of an undisturbed run; when the active coordinator is killed the standby takes the
 * lease over, recovers and runs the next job to the same masks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoCoordinatorsFleetTest {
    private static final List<Double> BUDGETS = List.of(0.5);
    private static final ScoringSpec FISHER = new ScoringSpec("fisher", null, null, null, null, null, null, null,
            null, 4, 4);
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);
    /** The coordinator's consumer groups whose partitions a second active coordinator would split. */
    private static final List<String> COORDINATOR_GROUPS = List.of("optin-coordinator-scores",
            "optin-coordinator-dead-letters", "optin-coordinator-requests");

    private Path work;
    private EmbeddedFleet fleet;
    private FleetJob.Inputs inputs;

    @BeforeAll
    void start() throws IOException {
        work = Files.createTempDirectory("optin-two-coordinators");
        Path models = Path.of("target", "models");
        Path shard = work.resolve("shard-00000.jsonl");
        StringBuilder out = new StringBuilder();
        try (InputStream in = getClass().getResourceAsStream("/demo/shard-00000.jsonl")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank()).limit(8).toList();
            for (String line : lines) { // first sentences only: small activations on a small machine
                String text = Json.mapper().readTree(line).path("text").asText().split("\\. ", 2)[0];
                out.append(Json.mapper().createObjectNode().put("text", text)).append('\n');
            }
        }
        Files.writeString(shard, out);
        fleet = EmbeddedFleet.start(Path.of("..").toAbsolutePath().normalize(), work, 1, s -> { });
        inputs = FleetJob.upload(fleet.store(), "minilm", BundledModels.MINILM_L6.onnx(models),
                BundledModels.MINILM_L6.tokenizer(models), List.of(shard));
    }

    @AfterAll
    void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aSecondCoordinatorStandsByAndTakesOverWhenTheActiveOneDies() throws Exception {
        MaskDocument undisturbed = runJob();

        QuarkusAppProcess standby = fleet.launchStandbyCoordinator("coordinator-2");
        try {
            MaskDocument withTwo = runJob();
            assertSameMask(undisturbed, withTwo);
            assertTrue(standby.isRunning(), "the standby waits, it does not exit");
            assertFalse(standby.isReady(), "the standby is not ready while the other coordinator is active");
            String log = Files.readString(standby.logFile());
            assertTrue(log.contains("standing by: another coordinator holds the lease"), log);
            for (String group : COORDINATOR_GROUPS) {
                assertEquals(1, members(group), "only the active coordinator is in consumer group " + group);
            }

            long killed = System.nanoTime();
            fleet.coordinator().kill();
            fleet.promote(standby);
            double takeover = (System.nanoTime() - killed) / 1e9;
            assertTrue(Files.readString(standby.logFile()).contains("taking over"));
            for (String group : COORDINATOR_GROUPS) { // the killed member stays until its session times out
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (members(group) != 1) {
                    assertTrue(System.nanoTime() < deadline, group + " never had the new coordinator alone");
                    Thread.sleep(500); // polling pause between two looks at the group, not synchronisation
                }
            }
            MaskDocument afterTakeover = runJob();
            assertSameMask(undisturbed, afterTakeover);
            System.out.printf("FAULT two coordinators (processes): jobs 3, outcome the second stood by (not ready, no"
                    + " consumer group) while a job ended with the undisturbed masks; took over %.1f s after the"
                    + " active one was killed, next job the same masks%n", takeover);
        } finally {
            if (fleet.coordinator() != standby) {
                standby.close();
            }
        }
    }

    /** Members of a consumer group now (a killed member may linger until its session times out). */
    private int members(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                fleet.bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group)
                    .members().size();
        }
    }

    private MaskDocument runJob() throws Exception {
        JobRequest request = FleetJob.request("minilm", inputs, BUDGETS, FISHER, null, 4, "test");
        String id = fleet.client().submit(request);
        JsonNode status = FleetJob.await(fleet.client(), id, JOB_TIMEOUT, s -> { });
        Path out = Files.createTempDirectory(work, "job-");
        FleetJob.download(fleet.store(), status, out);
        try (InputStream in = Files.newInputStream(out.resolve(JobOutputs.budgetDirName(BUDGETS.get(0)))
                .resolve(JobOutputs.MASK_FILE))) {
            return MaskJson.read(in);
        }
    }

    private static void assertSameMask(MaskDocument want, MaskDocument got) {
        assertEquals(want.model().weightsSha256(), got.model().weightsSha256());
        assertEquals(want.heads().length, got.heads().length);
        for (int l = 0; l < want.heads().length; l++) {
            assertArrayEquals(want.heads()[l], got.heads()[l], "heads of layer " + l);
            assertArrayEquals(want.neurons()[l], got.neurons()[l], "neurons of layer " + l);
        }
        assertEquals(want.keptFraction(), got.keptFraction(), 1e-12);
    }
}
