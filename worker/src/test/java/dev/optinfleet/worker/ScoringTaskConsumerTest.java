package dev.optinfleet.worker;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.TaskSpec;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.worker.scoring.ScoringSpecs;
import dev.optinfleet.worker.scoring.SimulatedCompute;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker against a real broker and S3 server: tasks in, scores (or dead letters) out, scores equal to core's
 * {@link TaskRunner} run here on the same model, shard and settings.
 */
@QuarkusTest
@WithTestResource(FleetResources.class)
class ScoringTaskConsumerTest {
    /** Same code, same engine, same inputs: only the order of float sums could differ. */
    private static final double RELATIVE_TOLERANCE = 1e-9;
    private static final Duration TASK_TIMEOUT = Duration.ofMinutes(4);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/q/health/ready")
    URL readiness;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Inject
    ObjectStore store;

    @Inject
    SimulatedCompute simulated;

    private final List<KafkaTestClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        clients.forEach(KafkaTestClient::close);
        clients.clear();
    }

    @Test
    void theBenchmarkModeIsOffByDefault() {
        // Every other test here compares real scores with core's; this says why they are real.
        assertFalse(simulated.enabled(), "optin.worker.simulate-compute must default to false");
    }

    @Test
    void unitRangeTaskScoresEqualCoreTaskRunner() {
        ScoringSpec spec = new ScoringSpec("trajectory", null, null, null, null, null, 3L, 8, 12, null, null);
        ScoringTaskMessage task = task("job-a", "heads-l5", FleetResources.MODEL, spec,
                TaskSpec.unitRange(5, "head", 0, 12));

        TaskScores scores = runAndAwaitScores(task);

        assertEquals("test-worker", scores.workerId());
        assertEquals(12, scores.unitsScored());
        assertTermsEqual(expected(task), scores.terms());
    }

    @Test
    void gradientBatchTaskScoresEqualCoreTaskRunner() {
        ScoringSpec spec = new ScoringSpec("fisher", null, null, null, null, null, 5L, 8, null, 2, 4);
        ScoringTaskMessage task = task("job-a", "fisher-0-4", FleetResources.MODEL, spec,
                TaskSpec.gradientBatch(0, 4));

        TaskScores scores = runAndAwaitScores(task);

        assertEquals(6 * 12 + 6 * 1536, scores.unitsScored());
        assertTermsEqual(expected(task), scores.terms());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String text = get(metrics).body();
            assertTrue(text.contains("optin_worker_tasks_completed_total"), "metrics expose completed tasks");
            assertTrue(text.contains("optin_worker_object_cache_misses"), "metrics expose cache misses");
        });
    }

    @Test
    void everyTaskOfAJobScoresTheObjectVersionsItsFirstTaskSaw() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        S3Uri shard = S3Uri.of(FleetResources.BUCKET, "calibration/versions-" + run + "/shard.jsonl");
        List<String> lines = Files.readAllLines(FleetResources.localShard());
        store.putBytes(shard, String.join("\n", lines.subList(0, 4)).getBytes(StandardCharsets.UTF_8));
        ScoringSpec spec = new ScoringSpec("fisher", null, null, null, null, null, 5L, 8, null, 2, 4);
        TaskScores first = runAndAwaitScores(task("job-v-" + run, "a", FleetResources.MODEL, shard, spec,
                TaskSpec.gradientBatch(0, 4)));

        // The shard is replaced mid-job: the job's next task still scores the version its first one saw...
        store.putBytes(shard, String.join("\n", lines.subList(4, 8)).getBytes(StandardCharsets.UTF_8));
        TaskScores sameJob = runAndAwaitScores(task("job-v-" + run, "b", FleetResources.MODEL, shard, spec,
                TaskSpec.gradientBatch(0, 4)));
        assertTermsEqual(first.terms(), sameJob.terms());

        // ...while a new job sees the new version.
        TaskScores newJob = runAndAwaitScores(task("job-w-" + run, "a", FleetResources.MODEL, shard, spec,
                TaskSpec.gradientBatch(0, 4)));
        assertTrue(!java.util.Arrays.equals(first.terms().get(0).output(), newJob.terms().get(0).output()),
                "a new job scores the shard's new content");
    }

    @Test
    void aTaskScoresExactlyThePinnedVersionsAndOneWhoseInputChangedIsDeadLetteredNamingObjectAndEtags()
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        S3Uri shard = S3Uri.of(FleetResources.BUCKET, "calibration/pinned-" + run + "/shard.jsonl");
        store.putFile(shard, FleetResources.localShard());
        Map<String, String> pinned = Map.of(
                FleetResources.MODEL.toString(), store.stat(FleetResources.MODEL).etag(),
                FleetResources.TOKENIZER.toString(), store.stat(FleetResources.TOKENIZER).etag(),
                shard.toString(), store.stat(shard).etag());
        ScoringSpec spec = new ScoringSpec("fisher", null, null, null, null, null, 5L, 8, null, 2, 4);
        ScoringTaskMessage ok = pinned(task("job-p-" + run, "a", FleetResources.MODEL, shard, spec,
                TaskSpec.gradientBatch(0, 4)), pinned);
        assertTermsEqual(expected(ok), runAndAwaitScores(ok).terms());

        // Overwritten after planning, on a path no worker cached: the pinned version is gone from the server.
        S3Uri changed = S3Uri.of(FleetResources.BUCKET, "calibration/changed-" + run + "/shard.jsonl");
        List<String> lines = Files.readAllLines(FleetResources.localShard());
        store.putBytes(changed, String.join("\n", lines.subList(0, 4)).getBytes(StandardCharsets.UTF_8));
        String planned = store.stat(changed).etag();
        store.putBytes(changed, String.join("\n", lines.subList(4, 8)).getBytes(StandardCharsets.UTF_8));
        String current = store.stat(changed).etag();
        Map<String, String> stale = new java.util.HashMap<>(pinned);
        stale.remove(shard.toString());
        stale.put(changed.toString(), planned);
        ScoringTaskMessage mixed = pinned(task("job-p-" + run, "b", FleetResources.MODEL, changed, spec,
                TaskSpec.gradientBatch(0, 4)), stale);
        KafkaTestClient letters = client(Topics.DEAD_LETTERS);
        client(Topics.TASK_SCORES).send(Topics.SCORING_TASKS, null, mixed.taskId(), Json.write(mixed));
        DeadLetter letter = awaitDeadLetter(letters, mixed.taskId());
        assertEquals("job-p-" + run, letter.jobId());
        assertEquals(dev.optinfleet.storage.ObjectChangedException.class.getName(), letter.errorType());
        assertTrue(letter.reason().contains(changed.toString()) && letter.reason().contains(planned)
                && letter.reason().contains(current), "names the object and both ETags: " + letter.reason());
    }

    private static ScoringTaskMessage pinned(ScoringTaskMessage t, Map<String, String> etags) {
        return new ScoringTaskMessage(t.schemaVersion(), t.jobId(), t.taskId(), t.modelUri(), t.tokenizerUri(),
                t.shardIndex(), t.shardUri(), t.scoring(), t.task(), etags);
    }

    @Test
    void malformedMissingAndCorruptTasksAreDeadLetteredAndTheNextTaskIsStillServed() {
        KafkaTestClient deadLetters = client(Topics.DEAD_LETTERS);
        KafkaTestClient scores = client(Topics.TASK_SCORES);
        String run = UUID.randomUUID().toString().substring(0, 8);
        ScoringSpec spec = new ScoringSpec("trajectory", null, null, null, null, null, null, 8, 12, null, null);
        // Same partition, in this order: the valid task is only reached after the three bad ones.
        String malformed = Json.write(task("job-b", "typo-" + run, FleetResources.MODEL, spec,
                TaskSpec.unitRange(4, "head", 0, 2))).replace("\"shard_index\":0", "\"shard_index\":\"first\"");
        S3Uri missingModel = S3Uri.of(FleetResources.BUCKET, "models/missing-" + run + "/model.onnx");
        ScoringTaskMessage missing = task("job-b", "missing-" + run, missingModel, spec,
                TaskSpec.unitRange(4, "head", 0, 2));
        ScoringTaskMessage corrupt = task("job-b", "corrupt-" + run, FleetResources.CORRUPT_MODEL, spec,
                TaskSpec.unitRange(4, "head", 0, 2));
        ScoringTaskMessage valid = task("job-b", "valid-" + run, FleetResources.MODEL, spec,
                TaskSpec.unitRange(4, "head", 0, 2));
        deadLetters.send(Topics.SCORING_TASKS, 0, "typo-" + run, malformed);
        deadLetters.send(Topics.SCORING_TASKS, 0, missing.taskId(), Json.write(missing));
        deadLetters.send(Topics.SCORING_TASKS, 0, corrupt.taskId(), Json.write(corrupt));
        deadLetters.send(Topics.SCORING_TASKS, 0, valid.taskId(), Json.write(valid));

        DeadLetter typo = awaitDeadLetter(deadLetters, "typo-" + run);
        assertTrue(typo.reason().contains("shard_index"), "reason names the field: " + typo.reason());
        assertEquals("job-b", typo.jobId());
        assertEquals("typo-" + run, typo.taskId());
        assertEquals("test-worker", typo.processor());
        assertEquals(Topics.SCORING_TASKS, typo.sourceTopic());
        assertEquals(0, typo.partition());

        DeadLetter notFound = awaitDeadLetter(deadLetters, missing.taskId());
        assertTrue(notFound.reason().contains(missingModel.toString()), "reason names the object: "
                + notFound.reason());
        assertEquals("job-b", notFound.jobId());
        assertEquals(Json.write(missing), notFound.payload());

        DeadLetter unreadable = awaitDeadLetter(deadLetters, corrupt.taskId());
        assertTrue(unreadable.reason().startsWith(FleetResources.CORRUPT_MODEL.toString()),
                "reason names the object: " + unreadable.reason());
        assertEquals(CheckpointFormatException.class.getName(), unreadable.errorType());

        AtomicReference<String> json = new AtomicReference<>();
        await().atMost(TASK_TIMEOUT).until(() -> {
            json.set(scores.valueOf("job-b/" + valid.taskId()));
            return json.get() != null;
        });
        assertEquals(2, Json.read(json.get(), TaskScores.class).unitsScored());
    }

    @Test
    void readinessIsUpOnceTheEngineIsInitialised() {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            HttpResponse<String> response = get(readiness);
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.body().contains("\"UP\""), response.body());
            assertTrue(response.body().contains("optin-worker"), response.body());
        });
    }

    private TaskScores runAndAwaitScores(ScoringTaskMessage task) {
        KafkaTestClient kafka = client(Topics.TASK_SCORES);
        kafka.send(Topics.SCORING_TASKS, null, task.taskId(), Json.write(task));
        AtomicReference<String> json = new AtomicReference<>();
        await().atMost(TASK_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            json.set(kafka.valueOf(task.jobId() + "/" + task.taskId()));
            return json.get() != null;
        });
        TaskScores scores = Json.read(json.get(), TaskScores.class);
        assertEquals(task.jobId(), scores.jobId());
        assertEquals(task.taskId(), scores.taskId());
        assertNotNull(scores.engine());
        return scores;
    }

    private DeadLetter awaitDeadLetter(KafkaTestClient kafka, String taskId) {
        AtomicReference<DeadLetter> found = new AtomicReference<>();
        await().atMost(TASK_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            kafka.poll().stream()
                    .map(r -> Json.read(r.value(), DeadLetter.class))
                    .filter(d -> taskId.equals(d.taskId()))
                    .findFirst()
                    .ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }

    /** Core's own run of the task on the same files, outside the worker. */
    private static List<UnitTermsMessage> expected(ScoringTaskMessage message) {
        ScoringSettings settings = ScoringSpecs.toSettings(message.scoring());
        ScoringTask task = ScoringSpecs.toTask(message.task(), message.shardIndex(), settings.scorer());
        Checkpoint checkpoint = CheckpointLoader.load(BundledModels.MINILM_L6.onnx(FleetResources.LOCAL_MODELS));
        TokenBatch batch;
        try (TextTokenizer tokenizer = TextTokenizer.load(
                BundledModels.MINILM_L6.tokenizer(FleetResources.LOCAL_MODELS), checkpoint.config().maxPositions())) {
            batch = CalibrationReader.read(FleetResources.localShard()).tokenize(tokenizer, settings.maxSamples());
        }
        boolean exact = task instanceof ScoringTask.UnitRange;
        try (Encoder encoder = Encoder.load(checkpoint);
             TeacherPass teacher = exact ? new TeacherPass(encoder, batch, settings) : null) {
            List<UnitTermsMessage> out = new ArrayList<>();
            for (UnitTerms t : TaskRunner.run(task, encoder, batch, teacher, settings)) {
                out.add(JobOutputs.toMessage(t));
            }
            return out;
        }
    }

    private static void assertTermsEqual(List<UnitTermsMessage> expected, List<UnitTermsMessage> actual) {
        assertEquals(expected.size(), actual.size(), "number of term blocks");
        for (int i = 0; i < expected.size(); i++) {
            UnitTermsMessage e = expected.get(i);
            UnitTermsMessage a = actual.get(i);
            String where = "layer " + e.layer() + " " + e.kind() + " from " + e.from();
            assertEquals(e.layer(), a.layer(), where);
            assertEquals(e.kind(), a.kind(), where);
            assertEquals(e.from(), a.from(), where);
            assertClose(e.feature(), a.feature(), where + " feature");
            assertClose(e.output(), a.output(), where + " output");
        }
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            double bound = RELATIVE_TOLERANCE * Math.max(Math.abs(expected[i]), Double.MIN_NORMAL);
            if (Math.abs(expected[i] - actual[i]) > bound) {
                assertArrayEquals(expected, actual, what + ": unit " + i + " differs beyond " + RELATIVE_TOLERANCE
                        + " relative");
            }
        }
    }

    private static ScoringTaskMessage task(String job, String taskId, S3Uri model, ScoringSpec spec, TaskSpec what) {
        return task(job, taskId, model, FleetResources.SHARD, spec, what);
    }

    private static ScoringTaskMessage task(String job, String taskId, S3Uri model, S3Uri shard, ScoringSpec spec,
                                           TaskSpec what) {
        return new ScoringTaskMessage(ScoringTaskMessage.SCHEMA_VERSION, job, taskId, model.toString(),
                FleetResources.TOKENIZER.toString(), 0, shard.toString(), spec, what);
    }

    private KafkaTestClient client(String readTopic) {
        KafkaTestClient c = new KafkaTestClient(bootstrapServers, readTopic);
        clients.add(c);
        return c;
    }

    private static HttpResponse<String> get(URL url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
