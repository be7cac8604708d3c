package dev.optinfleet.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.TaskSpec;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message the fleet exchanges against its JSON Schema in schemas/: what the Java records write validates, the
 * schemas name exactly the fields the records write (so the two cannot drift apart), and broken messages fail
 * naming the field.
 */
class MessageSchemaTest {
    private static final ObjectMapper TREES = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://optin-fleet.dev/schemas/", "classpath:schemas/")));

    static final ScoringSpec FULL_SPEC = new ScoringSpec("trajectory", 50, 10.0, 0.5, 1.0, 2.0, 7L, 32, 64, 8, 4, 256);
    static final JobRequest FULL_REQUEST = new JobRequest(1, "minilm", "s3://models/minilm/config.json",
            "s3://models/minilm/tokenizer.json", List.of("s3://data/cal/shard-00000.jsonl"), List.of(0.6, 0.5),
            FULL_SPEC, 256, 16, "s3://optin/pruned", "s3://data/eval.jsonl", "rest", "full", "alice");
    static final BudgetResult RESULT = new BudgetResult(0.6, 0.598, "s3://optin/pruned/j/budget-0.6/mask.json",
            "s3://optin/pruned/j/budget-0.6/config.json", 40, 5000, 1e9, 5.98e8, 0.9);

    private static JsonSchema schema(String file) {
        return FACTORY.getSchema(SchemaLocation.of("https://optin-fleet.dev/schemas/" + file));
    }

    private static ObjectNode tree(Object message) throws Exception {
        return (ObjectNode) TREES.readTree(Json.write(message));
    }

    private static void assertValid(String file, Object message) throws Exception {
        Set<ValidationMessage> errors = schema(file).validate(tree(message));
        assertEquals(Set.of(), errors, file + " rejects what " + message.getClass().getSimpleName() + " writes");
    }

    private static void assertInvalid(String file, JsonNode doc, String named) {
        Set<ValidationMessage> errors = schema(file).validate(doc);
        assertFalse(errors.isEmpty(), file + " accepted a message with a broken " + named);
        assertTrue(errors.stream().anyMatch(m -> m.getMessage().contains(named)), named + " not named in " + errors);
    }

    /** The property names a (sub)schema declares, following a local or cross-file $ref. */
    private static Set<String> declared(String file, String pointer) throws Exception {
        JsonNode root = TREES.readTree(MessageSchemaTest.class.getResourceAsStream("/schemas/" + file));
        JsonNode node = root.at(pointer);
        Set<String> names = new HashSet<>();
        node.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> written(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static JobStatus doneStatus() {
        return new JobStatus(1, "job-1", JobState.DONE, FULL_REQUEST, 10, 10, 100, 100, 1, 2, null, 0.25,
                List.of(RESULT), "s3://optin/pruned/j/scores.json", "s3://optin/pruned/j/report.html");
    }

    static ScoresDocument scores() {
        return new ScoresDocument(1, "minilm", "a".repeat(64), Map.of("scorer", "fisher", "samples", 32), 0.5, 60.5,
                new int[] {12, 40}, List.of(new UnitTermsMessage(0, "head", 0, new double[] {1, 2},
                        new double[] {0, 0})), new double[][] {{1, 2}}, new double[][] {{3, 4, 5}});
    }

    @Test
    void everyMessageTheRecordsWriteIsValid() throws Exception {
        assertValid("job-request.schema.json", FULL_REQUEST);
        for (String repair : JobRequest.REPAIRS) {
            assertValid("job-request.schema.json", FULL_REQUEST.withRepair(repair));
        }
        assertValid("job-request.schema.json", new JobRequest(1, null, "s3://m/model.onnx", null,
                List.of("s3://d/s.jsonl"), List.of(1.0), null, null, null, null, null, null));
        assertValid("scoring-task.schema.json", new ScoringTaskMessage(1, "job-1", "t-1", "s3://m/a/config.json",
                "s3://m/a/tokenizer.json", 0, "s3://d/s.jsonl", FULL_SPEC, TaskSpec.unitRange(3, "neuron", 256, 128)));
        assertValid("scoring-task.schema.json", new ScoringTaskMessage(1, "job-1", "t-3", "s3://m/a/config.json",
                "s3://m/a/tokenizer.json", 0, "s3://d/s.jsonl", FULL_SPEC, TaskSpec.unitRange(3, "neuron", 256, 128),
                Map.of("s3://m/a/config.json", "0123abcd", "s3://m/a/tokenizer.json", "4567ef-2",
                        "s3://d/s.jsonl", "89ab")));
        assertValid("scoring-task.schema.json", new ScoringTaskMessage(1, "job-1", "t-2", "s3://m/a/config.json",
                "s3://m/a/tokenizer.json", 1, "s3://d/s.jsonl", ScoringSpec.of("fisher"), TaskSpec.gradientBatch(0,
                16)));
        assertValid("task-scores.schema.json", new TaskScores(1, "job-1", "t-1", "worker-1",
                List.of(new UnitTermsMessage(3, "neuron", 256, new double[] {1.5, 2}, new double[] {0.25, 0})), 2, 10,
                "PyTorch"));
        assertValid("task-progress.schema.json", new dev.optinfleet.schemas.task.TaskProgress(1, "job-1", "t-1",
                "worker-1", 3, 16));
        assertValid("job-status.schema.json", doneStatus());
        assertValid("job-status.schema.json", new JobStatus(1, "job-2", JobState.FAILED, FULL_REQUEST, 0, 0, 0, 0, 1,
                2, "s3://m/a/model.safetensors: truncated", null, null, null, null));
        assertValid("dead-letter.schema.json", new DeadLetter(1, "optin.scoring-tasks", 3, 17, "t-1", "{}",
                "task: unknown field 'x'", "MalformedMessageException", "job-1", "t-1", "worker-1", 5));
        assertValid("scores.schema.json", scores());
    }

    @Test
    void schemasDeclareExactlyTheFieldsTheRecordsWrite() throws Exception {
        ObjectNode request = tree(FULL_REQUEST);
        assertEquals(declared("job-request.schema.json", ""), written(request));
        assertEquals(declared("job-request.schema.json", "/$defs/scoring_spec"), written(request.get("scoring")));
        ObjectNode task = tree(new ScoringTaskMessage(1, "j", "t", "s3://m/a", "s3://m/t", 0, "s3://d/s",
                FULL_SPEC, TaskSpec.unitRange(0, "head", 0, 1), Map.of("s3://m/a", "e1", "s3://d/s", "e2")));
        assertEquals(declared("scoring-task.schema.json", ""), written(task));
        assertEquals(declared("scoring-task.schema.json", "/properties/task/oneOf/0"), written(task.get("task")));
        assertEquals(declared("scoring-task.schema.json", "/properties/task/oneOf/1"),
                written(tree(TaskSpec.gradientBatch(0, 4))));
        ObjectNode scores = tree(new TaskScores(1, "j", "t", "w", List.of(new UnitTermsMessage(0, "head", 0,
                new double[] {1}, new double[] {2})), 1, 1, "PyTorch"));
        assertEquals(declared("task-scores.schema.json", ""), written(scores));
        assertEquals(declared("task-scores.schema.json", "/$defs/unit_terms"), written(scores.get("terms").get(0)));
        ObjectNode status = tree(new JobStatus(1, "j", JobState.FAILED, FULL_REQUEST, 1, 1, 1, 1, 1, 1, "boom", 0.5,
                List.of(RESULT), "s3://o/p/scores.json", "s3://o/p/report.html", Map.of("s3://m/a", "e1")));
        assertEquals(declared("job-status.schema.json", ""), written(status));
        assertEquals(declared("job-status.schema.json", "/$defs/budget_result"), written(status.get("results")
                .get(0)));
        assertEquals(declared("dead-letter.schema.json", ""), written(tree(new DeadLetter(1, "s", 0, 0, "k", "p",
                "r", "e", "j", "t", "w", 0))));
        assertEquals(declared("scores.schema.json", ""), written(tree(scores())));
    }

    @Test
    void brokenMessagesAreInvalidNamingTheField() throws Exception {
        ObjectNode request = tree(FULL_REQUEST);
        request.remove("model_uri");
        assertInvalid("job-request.schema.json", request, "model_uri");
        request = tree(FULL_REQUEST);
        request.putArray("budgets").add(0.5).add(1.5);
        assertInvalid("job-request.schema.json", request, "budgets[1]");
        request = tree(FULL_REQUEST);
        ((ObjectNode) request.get("scoring")).put("scorer", "magic");
        assertInvalid("job-request.schema.json", request, "scorer");
        request = tree(FULL_REQUEST);
        request.put("submitted_by", "");
        assertInvalid("job-request.schema.json", request, "submitted_by");
        request = tree(FULL_REQUEST);
        request.put("submitted_by", "alice\nadmin");
        assertInvalid("job-request.schema.json", request, "submitted_by");

        ObjectNode task = tree(new ScoringTaskMessage(1, "j", "t", "s3://m/a", "s3://m/t", 0, "s3://d/s",
                FULL_SPEC, TaskSpec.unitRange(0, "head", 0, 1)));
        ((ObjectNode) task.get("task")).put("kind", "layer");
        assertInvalid("scoring-task.schema.json", task, "task");
        task = tree(new ScoringTaskMessage(1, "j", "t", "s3://m/a", "s3://m/t", 0, "s3://d/s",
                FULL_SPEC, TaskSpec.unitRange(0, "head", 0, 1), Map.of("s3://m/a", "e1")));
        ((ObjectNode) task.get("input_etags")).put("s3://m/t", "");
        assertInvalid("scoring-task.schema.json", task, "input_etags");

        ObjectNode status = tree(doneStatus());
        status.put("state", "failed");
        assertInvalid("job-status.schema.json", status, "error");
        status = tree(doneStatus());
        ((ObjectNode) status.get("request")).put("model_uri", "/tmp/model");
        assertInvalid("job-status.schema.json", status, "model_uri");

        ObjectNode dead = tree(new DeadLetter(1, "s", 0, 0, null, null, "r", null, null, null, null, 0));
        dead.remove("reason");
        assertInvalid("dead-letter.schema.json", dead, "reason");

        ObjectNode doc = tree(scores());
        doc.put("weights_sha256", "not-a-hash");
        assertInvalid("scores.schema.json", doc, "weights_sha256");
    }
}
