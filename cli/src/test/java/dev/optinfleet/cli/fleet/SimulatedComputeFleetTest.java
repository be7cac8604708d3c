package dev.optinfleet.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker's benchmark mode ({@code optin.worker.simulate-compute=true}, issue 18 item 4) end to end: a worker in
 * that mode takes real tasks from Kafka and publishes results the real coordinator merges into a job that finishes
 * with its outputs; the time it waited per task is the cost model's, so the simulated compute it reports equals
 * the estimate the coordinator made at planning (from its own tokenizing of the same shards).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatedComputeFleetTest {
    private Path work;
    private EmbeddedFleet fleet;

    @BeforeAll
    void start() {
        System.setProperty("optin.fleet.simulate-compute", "true");
        try {
            work = Files.createTempDirectory("optin-simulated-it");
            fleet = EmbeddedFleet.start(Path.of("..").toAbsolutePath().normalize(), work, 1, s -> { });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            // Only this fleet's worker simulates; fleets other tests start in this JVM compute.
            System.clearProperty("optin.fleet.simulate-compute");
        }
    }

    @AfterAll
    void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void simulatedResultsAreMergedAndTheJobFinishes() throws Exception {
        Path models = Path.of("target", "models");
        Path shard = work.resolve("shard.jsonl");
        try (InputStream in = getClass().getResourceAsStream("/demo/shard-00000.jsonl")) {
            Files.writeString(shard, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        FleetJob.Inputs inputs = FleetJob.upload(fleet.store(), "minilm-simulated",
                BundledModels.MINILM_L6.onnx(models), BundledModels.MINILM_L6.tokenizer(models), List.of(shard));
        CoordinatorClient client = fleet.client();
        String jobId = client.submit(new JobRequest(JobRequest.SCHEMA_VERSION, "minilm-simulated",
                inputs.modelUri(), inputs.tokenizerUri(), inputs.calibrationUris(), List.of(0.5),
                ScoringSpec.of("fisher"), null, 8, null, null, "test", "none"));

        JsonNode status = FleetJob.await(client, jobId, Duration.ofMinutes(5), s -> { });

        assertEquals("done", status.path("state").asText(), status.toString());
        int tasks = status.path("tasks_total").asInt();
        assertTrue(tasks >= 2, "several tasks: " + status);
        assertEquals(tasks, status.path("tasks_done").asInt());
        assertEquals(status.path("units_total").asLong(), status.path("units_scored").asLong());
        JsonNode worker = status.path("scoring").path("workers").get(0);
        assertEquals("worker-1", worker.path("worker_id").asText());
        assertEquals("simulated cpu-2core", worker.path("engine").asText(), worker.toString());
        assertEquals(tasks, worker.path("tasks").asInt());
        // Each task waited its estimate (rounded to ms, plus the sleep's overshoot of a few ms).
        double predicted = status.path("cost").path("compute_seconds").asDouble();
        double waited = worker.path("elapsed_ms").asLong() / 1000.0;
        assertTrue(predicted > 0.5, "a job that takes measurable time: " + predicted);
        assertEquals(predicted, waited, 0.02 * tasks + 0.01 * predicted, "waited vs the cost model's compute");
        assertTrue(status.path("scores_uri").asText().endsWith("scores.json"), status.toString());
    }
}
