package dev.optinfleet.schemas;

import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.TaskSpec;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageCodecTest {
    static final JobRequest REQUEST = new JobRequest(1, "minilm", "s3://models/minilm/config.json", null,
            List.of("s3://data/cal/shard-00000.jsonl"), List.of(0.6, 0.5), ScoringSpec.of("fisher"), null, null, null,
            null, "rest");

    @Test
    void jobRequestRepairIsOptionalAndCheckedNamingTheField() {
        assertEquals(null, REQUEST.repair(), "absent means the product default");
        assertEquals("bias", Json.read(Json.write(REQUEST.withRepair("bias")), JobRequest.class).repair());
        assertEquals("reselect", Json.read(Json.write(REQUEST.withRepair("reselect")), JobRequest.class).repair());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> REQUEST.withRepair("partial"));
        assertTrue(e.getMessage().contains("repair") && e.getMessage().contains("partial"), e.getMessage());
    }

    @Test
    void jobRequestSubmitterIsOptionalKeptThroughCopiesAndCheckedNamingTheField() {
        assertEquals(null, REQUEST.submittedBy(), "absent: no authenticated submitter");
        JobRequest byAlice = REQUEST.withSubmitter("rest", "alice");
        assertEquals(byAlice, Json.read(Json.write(byAlice), JobRequest.class));
        assertTrue(Json.write(byAlice).contains("\"submitted_by\":\"alice\""), Json.write(byAlice));
        assertEquals("alice", byAlice.withRepair("none").submittedBy(), "a copy keeps the submitter");
        for (String bad : new String[] {"", " ", "alice\nadmin", "x".repeat(JobRequest.MAX_SUBMITTER_LENGTH + 1)}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> REQUEST.withSubmitter("rest", bad));
            assertTrue(e.getMessage().contains("submitted_by"), e.getMessage());
        }
    }

    @Test
    void jobRequestRoundTripsInSnakeCase() {
        String json = Json.write(REQUEST);
        assertTrue(json.contains("\"model_uri\":\"s3://models/minilm/config.json\""), json);
        assertTrue(json.contains("\"calibration_uris\""), json);
        assertEquals(REQUEST, Json.read(json, JobRequest.class));
    }

    @Test
    void taskAndScoresRoundTrip() {
        ScoringTaskMessage task = new ScoringTaskMessage(1, "job-1", "t-00001", "s3://m/a/config.json",
                "s3://m/a/tokenizer.json", 0, "s3://d/s.jsonl", ScoringSpec.of("trajectory"),
                TaskSpec.unitRange(3, "neuron", 256, 128));
        assertEquals(task, Json.read(Json.write(task), ScoringTaskMessage.class));
        assertFalse(Json.write(task).contains("input_etags"), "no pinned versions, no field");
        ScoringTaskMessage pinned = new ScoringTaskMessage(1, "job-1", "t-00001", "s3://m/a/config.json",
                "s3://m/a/tokenizer.json", 0, "s3://d/s.jsonl", ScoringSpec.of("trajectory"),
                TaskSpec.unitRange(3, "neuron", 256, 128), Map.of("s3://d/s.jsonl", "abc123"));
        assertEquals(pinned, Json.read(Json.write(pinned), ScoringTaskMessage.class));
        assertEquals("abc123", pinned.etagOf("s3://d/s.jsonl"));
        assertEquals(null, pinned.etagOf("s3://m/a/config.json"));
        MalformedMessageException bad = assertThrows(MalformedMessageException.class, () -> Json.read(
                Json.write(pinned).replace("s3://d/s.jsonl\":", "/tmp/s.jsonl\":"), ScoringTaskMessage.class));
        assertTrue(bad.getMessage().contains("input_etags"), bad.getMessage());
        TaskScores scores = new TaskScores(1, "job-1", "t-00001", "w-1",
                List.of(new UnitTermsMessage(3, "neuron", 256, new double[] {1.5, 2}, new double[] {0.25, 0})), 2,
                10, "PyTorch");
        TaskScores back = Json.read(Json.write(scores), TaskScores.class);
        assertArrayEquals(new double[] {1.5, 2}, back.terms().get(0).feature());
        assertEquals("job-1/t-00001", back.key());
    }

    @Test
    void statusRoundTripsWithLowercaseState() {
        JobStatus status = new JobStatus(1, "job-1", JobState.SCORING, REQUEST, 10, 3, 100, 30, 1, 2, null, null,
                null, null, null);
        String json = Json.write(status);
        assertTrue(json.contains("\"state\":\"scoring\""), json);
        assertEquals(status, Json.read(json, JobStatus.class));
    }

    @Test
    void budgetOutOfRangeIsRejectedNamingTheField() {
        String json = Json.write(REQUEST).replace("[0.6,0.5]", "[0.6,1.5]");
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> Json.read(json, JobRequest.class));
        assertTrue(e.getMessage().contains("budgets[1]") && e.getMessage().contains("1.5"), e.getMessage());
    }

    @Test
    void unknownFieldIsRejectedByName() {
        String json = Json.write(REQUEST).replace("\"source\"", "\"sauce\"");
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> Json.read(json, JobRequest.class));
        assertTrue(e.getMessage().contains("sauce"), e.getMessage());
    }

    @Test
    void modelUriThatIsNotAnObjectIsRejected() {
        String json = Json.write(REQUEST).replace("s3://models/minilm/config.json", "/tmp/model");
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> Json.read(json, JobRequest.class));
        assertTrue(e.getMessage().contains("model_uri") && e.getMessage().contains("/tmp/model"), e.getMessage());
    }

    @Test
    void notJsonIsRejected() {
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> Json.read("{\"schema_version\": 1,", JobRequest.class));
        assertTrue(e.getMessage().startsWith("JobRequest"), e.getMessage());
    }
}
