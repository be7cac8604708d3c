package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.pipeline.LocalPruner;
import dev.optinfleet.core.pipeline.ScoringProgress;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.report.ReportCharts;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole fisher job on the real MiniLM through the REST API, the test playing the worker on the real broker:
 * every result arrives twice and out of order, and the job's outputs in storage equal what core's
 * {@link LocalPruner} writes for the same inputs.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class CoordFisherJobTest extends FleetTestBase {
    private static final List<Double> BUDGETS = List.of(0.6, 0.5);
    private static final int SAMPLES_PER_TASK = 4;

    @Inject
    RecordingCompletionHook hook;



    @Test
    void fisherJobWithEveryResultTwiceAndOutOfOrderEqualsTheLocalPruner() throws Exception {
        // No scoring settings at all: the coordinator must default to its gradient scorer and complete every field.
        JobRequest request = Api.request("minilm", BUDGETS, null, SAMPLES_PER_TASK);
        String jobId = api.submit(request);

        JsonNode scoring = api.awaitState(jobId, "scoring");
        assertEquals(2, scoring.path("tasks_total").asInt(), "8 samples in tasks of 4: " + scoring);
        assertEquals(2L * 6 * (12 + 1536), scoring.path("units_total").asLong());
        // the cost model, from planning on: the plan's tasks, one forward pass per sample, two backward passes per
        // probe (fisher_trajectory: output and feature term) and sample
        JsonNode cost = scoring.path("cost");
        assertEquals("cpu-2core", cost.path("worker_kind").asText(), scoring.toString());
        assertEquals(2, cost.path("tasks").asInt());
        assertEquals(72, cost.path("heads").asInt());
        assertEquals(9216, cost.path("neurons").asInt());
        assertEquals(8, cost.path("forward_passes").asLong());
        assertEquals(8 * 8 * 2, cost.path("backward_passes").asLong());
        assertTrue(cost.path("flops").asDouble() > 0 && cost.path("compute_seconds").asDouble() > 0, cost.toString());
        assertTrue(cost.path("wall_seconds").path("2").asDouble() < cost.path("wall_seconds").path("1").asDouble(),
                cost.toString());
        List<ScoringTaskMessage> tasks = worker.awaitTasks(jobId, 2);
        assertEquals(List.of("s0-samples-0-4", "s0-samples-4-8"),
                tasks.stream().map(ScoringTaskMessage::taskId).sorted().toList());
        for (ScoringTaskMessage t : tasks) {
            assertEquals(ScoringSpecs.DEFAULT_SCORER, t.scoring().scorer());
            assertEquals("gradient_batch", t.task().type());
        }

        TaskScores first = worker.score(tasks.get(0));
        TaskScores second = worker.score(tasks.get(1));
        worker.publish(second);
        await().atMost(Api.JOB_TIMEOUT).until(() -> api.status(jobId).path("tasks_done").asInt() == 1);
        worker.publish(second);
        worker.publish(first);
        worker.publish(first);

        JsonNode done = api.awaitState(jobId, "done");
        assertEquals(2, done.path("tasks_done").asInt(), done.toString());
        assertEquals(done.path("units_total").asLong(), done.path("units_scored").asLong());
        assertEquals(CoordFleetResources.OUTPUT_PREFIX + "/minilm/" + jobId + "/report.html",
                done.path("report_uri").asText(), "the report next to scores.json: " + done);
        String report = text(S3Uri.parse(done.path("report_uri").asText()));
        for (String chart : List.of(ReportCharts.KEPT_HEADS, ReportCharts.KEPT_NEURONS, ReportCharts.HEAD_IMPORTANCE,
                ReportCharts.SOLUTION_PATH)) {
            assertTrue(report.contains("<img id=\"" + chart + "\""), "report.html draws " + chart);
        }
        assertTrue(report.contains("test-worker"), "the report's timings name the worker");
        assertTrue(done.path("error").isNull(), done.toString());
        assertEquals(0.0, done.path("eta_seconds").asDouble());
        JsonNode stats = done.path("scoring");
        assertEquals(2, stats.path("tasks").asInt(), "GET /jobs/{id} says who scored: " + stats);
        assertEquals("test-worker", stats.path("workers").path(0).path("worker_id").asText(), stats.toString());
        assertEquals(2, stats.path("workers").path(0).path("tasks").asInt(), "duplicates are not counted twice");
        assertEquals(first.elapsedMs() + second.elapsedMs(), stats.path("workers").path(0).path("elapsed_ms")
                .asLong(), stats.toString());
        assertTrue(stats.path("millis_to_score").asLong() <= Math.round(done.path("elapsed_seconds").asDouble()
                * 1000), "scored before done: " + done);
        String prefix = CoordFleetResources.OUTPUT_PREFIX + "/minilm/" + jobId + "/";
        assertEquals(prefix + "scores.json", done.path("scores_uri").asText());
        assertEquals(BUDGETS.size(), done.path("results").size(), done.toString());

        // The seam for the report writer and the registry saw the finished job with its local outputs and stats.
        RecordingCompletionHook.Call call = hook.call(jobId);
        assertNotNull(call, "completion hooks run before the job is done");
        assertTrue(call.localScoresReadable() && call.localMasksReadable(), "local outputs readable in the hook");
        assertEquals(2, call.job().stats().tasks());
        assertEquals(List.of("test-worker"), call.job().stats().workers().stream()
                .map(w -> w.workerId()).toList());
        assertEquals(2, call.job().stats().workers().get(0).tasks(), "duplicates are not counted twice");
        assertEquals(BUDGETS.size(), call.job().outputs().results().size());

        Path expected = Files.createTempDirectory("local-pruner");
        Checkpoint dense = CheckpointLoader.load(CoordFleetResources.localModel()).named("minilm");
        LocalPruner.run(new LocalPruner.Request(dense, CoordFleetResources.localTokenizer(),
                List.of(CoordFleetResources.localShard()), BUDGETS,
                ScoringSettings.defaults(ScorerKind.fromWireName(ScoringSpecs.DEFAULT_SCORER)),
                256, SAMPLES_PER_TASK, expected), ScoringProgress.NONE);

        MaskAssertions.assertSameScores(Files.readString(expected.resolve("scores.json")),
                text(S3Uri.parse(prefix + "scores.json")));
        for (int i = 0; i < BUDGETS.size(); i++) {
            double budget = BUDGETS.get(i);
            String dir = JobOutputs.budgetDirName(budget);
            JsonNode result = done.path("results").get(i);
            assertEquals(budget, result.path("budget").asDouble());
            assertEquals(prefix + dir + "/mask.json", result.path("mask_uri").asText());
            assertEquals(prefix + dir + "/config.json", result.path("checkpoint_uri").asText());
            assertTrue(result.path("kept_fraction").asDouble() <= budget, result.toString());
            String expectedMask = Files.readString(expected.resolve(dir).resolve("mask.json"));
            String stored = text(S3Uri.parse(result.path("mask_uri").asText()));
            MaskAssertions.assertSameMask(expectedMask, stored, "budget " + budget);
            var served = api.get("/jobs/" + jobId + "/masks/" + budget);
            assertEquals(200, served.statusCode(), served.body());
            assertEquals(stored, served.body(), "GET /masks/" + budget + " serves the stored mask.json");
            for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
                S3Uri object = S3Uri.parse(prefix + dir + "/" + file);
                assertEquals(Files.size(expected.resolve(dir).resolve(file)), store.stat(object).size(),
                        object + " has the local pruner's size");
            }
            // the fleet reconstructs in its finishing step: the same refit weights as in-process, byte for byte
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    Files.readAllBytes(expected.resolve(dir).resolve("model.safetensors")),
                    store.getBytes(S3Uri.parse(prefix + dir + "/model.safetensors")),
                    "budget " + budget + ": model.safetensors as the local pruner wrote it");
            assertEquals(dev.optinfleet.core.reconstruct.ReconstructionSettings.DEFAULT_REPAIR.wireName(),
                    MaskJson.read(stored).reconstruction().repair(), "the default repair is recorded");
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = api.get("/q/metrics").body();
            assertTrue(metrics.contains("optin_coordinator_task_duplicates_total"), "duplicates are counted");
            assertTrue(metrics.contains("optin_coordinator_jobs{state=\"done\"}"), "jobs by state");
        });
        assertNotNull(api.get("/jobs").body());
    }

    private String text(S3Uri uri) {
        return new String(store.getBytes(uri), StandardCharsets.UTF_8);
    }
}
