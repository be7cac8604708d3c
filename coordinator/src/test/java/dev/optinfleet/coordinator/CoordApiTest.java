package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The REST contract: 400 naming the field for bad input, 404 for unknown jobs and budgets, new budgets. */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class CoordApiTest extends FleetTestBase {


    @Test
    void badRequestsAreRefusedWith400NamingTheField() {
        String valid = Json.write(Api.request("minilm", List.of(0.5), null, 4));
        assertBadRequest("{\"schema_version\": 1, \"model_uri\": ", "not valid JSON");
        assertBadRequest("", "JobRequest");
        assertBadRequest(valid.replace("\"budgets\":[0.5]", "\"budgets\":[1.5]"), "budgets[0]");
        assertBadRequest(valid.replace("\"budgets\":[0.5]", "\"budgets\":[0.5,0]"), "budgets[1]");
        assertBadRequest(valid.replace("\"budgets\":[0.5]", "\"budgets\":[]"), "budgets");
        assertBadRequest(Json.write(Api.request("minilm", List.of(0.5), ScoringSpec.of("fisher"), 4))
                .replace("\"fisher\"", "\"fishy\""), "scoring.scorer");
        assertBadRequest(valid.replace("\"model_uri\"", "\"modle_uri\""), "model_uri");
        assertBadRequest(valid.replace("\"budgets\"", "\"bugdet\":0.5,\"budgets\""), "bugdet");
        assertBadRequest(valid.replace("\"samples_per_task\":4", "\"samples_per_task\":0"), "samples_per_task");
        assertBadRequest(valid.replace("\"samples_per_task\":4", "\"samples_per_task\":\"four\""),
                "samples_per_task");
        assertBadRequest(valid.replace("\"calibration_uris\":[\"" + CoordFleetResources.SHARD + "\"]",
                "\"calibration_uris\":[]"), "calibration_uris");
        String missing = "s3://" + CoordFleetResources.BUCKET + "/models/nothing/model.onnx";
        String body = assertBadRequest(valid.replace(CoordFleetResources.MODEL.toString(), missing), "model_uri");
        assertTrue(body.contains(missing), "names the missing object: " + body);
        String missingShard = "s3://" + CoordFleetResources.BUCKET + "/calibration/none.jsonl";
        body = assertBadRequest(valid.replace(CoordFleetResources.SHARD.toString(), missingShard),
                "calibration_uris[0]");
        assertTrue(body.contains(missingShard), body);
        assertBadRequest(valid.replace("model.onnx", "weights.bin"), "model_uri");
    }

    @Test
    void aCorruptModelFailsTheJobNamingTheObject() {
        S3Uri corrupt = S3Uri.of(CoordFleetResources.BUCKET, "models/corrupt/model.onnx");
        store.putBytes(corrupt, "this is not a protobuf".getBytes(StandardCharsets.UTF_8));
        JobRequest r = Api.request("corrupt", List.of(0.5), null, 4);
        String id = api.submit(new JobRequest(r.schemaVersion(), r.name(), corrupt.toString(),
                CoordFleetResources.TOKENIZER.toString(), r.calibrationUris(), r.budgets(), null, null, 4, null, null,
                null));
        JsonNode failed = api.awaitState(id, "failed");
        assertTrue(failed.path("error").asText().contains(corrupt.toString()), failed.toString());
        assertEquals(0, worker.tasksOf(id).size(), "nothing published for a job that cannot be planned");
    }

    @Test
    void unknownJobsAndBudgetsAre404() {
        for (HttpResponse<String> r : List.of(api.get("/jobs/no-such-job"), api.get("/jobs/no-such-job/masks/0.5"),
                api.post("/jobs/no-such-job/budgets", "{\"budget\": 0.5}"))) {
            assertEquals(404, r.statusCode(), r.body());
            assertTrue(Api.json(r).path("error").asText().contains("no-such-job"), r.body());
        }
    }

    @Test
    void newBudgetIsAnsweredFromStoredScoresWithoutNewTasks() {
        JsonNode done = api.runToDone(worker, Api.request("minilm-api", List.of(0.5), null, 4));
        String id = done.path("job_id").asText();

        HttpResponse<String> unknownBudget = api.get("/jobs/" + id + "/masks/0.7");
        assertEquals(404, unknownBudget.statusCode(), unknownBudget.body());
        assertTrue(Api.json(unknownBudget).path("error").asText().contains("0.7"), unknownBudget.body());
        HttpResponse<String> notANumber = api.get("/jobs/" + id + "/masks/half");
        assertEquals(400, notANumber.statusCode(), notANumber.body());
        assertTrue(Api.json(notANumber).path("error").asText().contains("budget"), notANumber.body());
        for (String bad : List.of("{\"budget\": 0}", "{\"budget\": 1.2}", "{}", "{\"budgt\": 0.4}", "")) {
            HttpResponse<String> r = api.post("/jobs/" + id + "/budgets", bad);
            assertEquals(400, r.statusCode(), bad + " -> " + r.body());
            assertTrue(Api.json(r).path("error").asText().contains("budg"), r.body());
        }

        String reportUri = done.path("report_uri").asText();
        assertFalse(text(S3Uri.parse(reportUri)).contains("<th>budget 0.45</th>"));
        int tasksBefore = worker.taskRecords().size();
        HttpResponse<String> answer = api.post("/jobs/" + id + "/budgets", "{\"budget\": 0.45}");
        assertEquals(200, answer.statusCode(), answer.body());
        MaskDocument mask = MaskJson.read(answer.body());
        assertEquals(0.45, mask.budget());
        assertTrue(mask.keptFraction() <= 0.45, answer.body());
        assertEquals(tasksBefore, worker.taskRecords().size(), "a new budget publishes no task");

        // The same mask the solver gives on the stored scores, stored next to the others and listed in the results.
        String prefix = CoordFleetResources.OUTPUT_PREFIX + "/minilm-api/" + id + "/";
        ScoresDocument scores = Json.read(text(S3Uri.parse(prefix + "scores.json")), ScoresDocument.class);
        Checkpoint dense = CheckpointLoader.load(CoordFleetResources.localModel());
        FlopModel flops = FlopModel.fromLengths(dense.config(), scores.sampleLengths(), dense.hasPooler());
        MaskDocument expected = MaskDocuments.of("minilm-api", scores.weightsSha256(),
                JobOutputs.solve(scores, flops, 0.45), flops, "fisher", scores.settings());
        assertArrayEquals(expected.heads(), mask.heads());
        assertArrayEquals(expected.neurons(), mask.neurons());
        assertEquals(answer.body(), text(S3Uri.parse(prefix + "budget-0.45/mask.json")));
        assertTrue(store.exists(S3Uri.parse(prefix + "budget-0.45/model.safetensors")), "pruned checkpoint");
        assertTrue(store.exists(S3Uri.parse(prefix + "budget-0.45/model.onnx")), "its ONNX export");
        HttpResponse<String> served = api.get("/jobs/" + id + "/masks/0.45");
        assertEquals(answer.body(), served.body());
        JsonNode after = api.status(id);
        assertEquals(2, after.path("results").size(), after.toString());
        assertEquals(prefix + "budget-0.45/mask.json", after.path("results").get(1).path("mask_uri").asText());

        // The report is drawn again with the new budget, and its pruned checkpoint registered.
        assertTrue(text(S3Uri.parse(reportUri)).contains("<th>budget 0.45</th>"), "report.html has budget 0.45");
        assertEquals(reportUri, after.path("report_uri").asText());
        JsonNode versions = Api.json(api.get("/models/minilm-api"));
        assertEquals(List.of(0.5, 0.45), java.util.stream.StreamSupport.stream(versions.spliterator(), false)
                .filter(v -> v.path("job_id").asText().equals(id)).map(v -> v.path("budget").asDouble()).toList(),
                versions.toString());

        // Asking again answers the stored mask.
        assertEquals(answer.body(), api.post("/jobs/" + id + "/budgets", "{\"budget\": 0.45}").body());
        assertEquals(tasksBefore, worker.taskRecords().size());
    }

    @Test
    void listHealthAndOpenApiAreServed() {
        HttpResponse<String> list = api.get("/jobs");
        assertEquals(200, list.statusCode(), list.body());
        assertTrue(Api.json(list).isArray(), list.body());
        HttpResponse<String> ready = api.get("/q/health/ready");
        assertTrue(ready.body().contains("optin-coordinator-recovery"), ready.body());
        HttpResponse<String> openapi = api.get("/q/openapi?format=json");
        assertEquals(200, openapi.statusCode());
        JsonNode doc = Api.json(openapi);
        assertTrue(doc.path("paths").has("/jobs/{id}/budgets"), openapi.body());
        assertTrue(doc.path("paths").has("/jobs/{id}/masks/{budget}"), openapi.body());
        assertTrue(openapi.body().contains("\"job_id\""), "snake_case schemas: " + openapi.body());
    }

    private String assertBadRequest(String body, String mustName) {
        HttpResponse<String> r = api.post("/jobs", body);
        assertEquals(400, r.statusCode(), body + " -> " + r.body());
        String error = Api.json(r).path("error").asText();
        assertTrue(error.contains(mustName), "error names " + mustName + ": " + error);
        return error;
    }

    private String text(S3Uri uri) {
        return new String(store.getBytes(uri), StandardCharsets.UTF_8);
    }
}
