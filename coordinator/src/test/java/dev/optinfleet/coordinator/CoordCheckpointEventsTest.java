package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.registry.events.CheckpointVersion;
import dev.optinfleet.registry.events.LedgerSettings;
import dev.optinfleet.registry.events.ProcessedCheckpoints;
import dev.optinfleet.report.ReportCharts;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * From an upload to a registered pruned model, on the real broker and S3 server with the real MiniLM: the policy
 * (bucket {@code models}, keys {@code minilm/**}) is configured by {@link CoordFleetResources}; MiniLM is uploaded
 * through {@code PUT /uploads}, whose event starts a job that the test, playing the worker, scores; the job ends done
 * with its masks, report and registry entry. The same checkpoint version never starts a second job (event replayed,
 * identical bytes uploaded again), an incomplete checkpoint and a malformed event are rejected visibly (GET /events
 * and the dead-letter topic) and the coordinator keeps serving.
 */
@QuarkusTest
@WithTestResource(CoordFleetResources.class)
class CoordCheckpointEventsTest extends FleetTestBase {
    private static final Duration EVENT_TIMEOUT = Duration.ofMinutes(1);
    private static final String BERT_CONFIG = "{\"model_type\": \"bert\", \"vocab_size\": 30522, \"hidden_size\":"
            + " 384, \"num_hidden_layers\": 6, \"num_attention_heads\": 12, \"intermediate_size\": 1536}";

    private KafkaConsumer<String, String> topics;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    @BeforeEach
    void openTopics() {
        topics = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(),
                new StringDeserializer());
        List<TopicPartition> partitions = List.of(new TopicPartition(Topics.DEAD_LETTERS, 0),
                new TopicPartition(Topics.CHECKPOINT_EVENTS, 0));
        topics.assign(partitions);
        topics.seekToBeginning(partitions);
    }

    @AfterEach
    void closeTopics() {
        topics.close();
    }

    @Test
    void uploadedCheckpointIsPrunedReportedAndRegisteredOnceAndBadEventsAreRejectedVisibly() throws Exception {
        // The tokenizer first: its event finds no model yet and is rejected as incomplete.
        JsonNode tokenizer = upload(CoordFleetResources.EVENT_TOKENIZER, CoordFleetResources.localTokenizer());
        assertEquals(CoordFleetResources.EVENT_TOKENIZER.toString(), tokenizer.path("uri").asText());
        // The weights last: the checkpoint is complete and the policy starts a job.
        JsonNode model = upload(CoordFleetResources.EVENT_MODEL, CoordFleetResources.localModel());
        String etag = model.path("etag").asText();
        assertEquals(java.nio.file.Files.size(CoordFleetResources.localModel()), model.path("size").asLong());
        CheckpointVersion version = new CheckpointVersion(CoordFleetResources.MODELS_BUCKET,
                CoordFleetResources.EVENT_MODEL.key(), etag);
        String jobId = version.jobId();

        JsonNode started = awaitDecision(d -> "started".equals(d.path("outcome").asText())
                && jobId.equals(d.path("job_id").asText()));
        assertEquals(CoordFleetResources.EVENT_MODEL.toString(), started.path("object").asText(), started.toString());
        JsonNode incomplete = awaitDecision(d -> CoordFleetResources.EVENT_TOKENIZER.toString()
                .equals(d.path("object").asText()));
        assertEquals("rejected", incomplete.path("outcome").asText(), incomplete.toString());
        assertEquals("INCOMPLETE", incomplete.path("reason").asText(), incomplete.toString());

        JsonNode scoring = api.awaitState(jobId, "scoring");
        assertEquals("event", scoring.path("request").path("source").asText());
        assertEquals(CoordFleetResources.EVENT_MODEL.toString(), scoring.path("request").path("model_uri").asText());
        worker.awaitTasks(jobId, scoring.path("tasks_total").asInt()).forEach(t -> worker.publish(worker.score(t)));
        JsonNode done = api.awaitState(jobId, "done");

        // Masks, report and registry entry.
        String name = done.path("name").asText();
        assertEquals("minilm-1", name, "named after the model's folder");
        assertEquals(1, done.path("results").size(), done.toString());
        JsonNode result = done.path("results").get(0);
        assertEquals(CoordFleetResources.EVENT_BUDGET, result.path("budget").asDouble());
        assertEquals(200, api.get("/jobs/" + jobId + "/masks/" + CoordFleetResources.EVENT_BUDGET).statusCode());
        String prefix = CoordFleetResources.OUTPUT_PREFIX + "/" + name + "/" + jobId + "/";
        assertEquals(prefix + "report.html", done.path("report_uri").asText(), done.toString());
        String report = new String(store.getBytes(S3Uri.parse(prefix + "report.html")), StandardCharsets.UTF_8);
        for (String chart : List.of(ReportCharts.KEPT_HEADS, ReportCharts.KEPT_NEURONS, ReportCharts.HEAD_IMPORTANCE,
                ReportCharts.SOLUTION_PATH)) {
            assertTrue(report.contains("<img id=\"" + chart + "\""), "report.html draws " + chart);
        }

        HttpResponse<String> versions = api.get("/models/" + name);
        assertEquals(200, versions.statusCode(), versions.body());
        JsonNode registered = Api.json(versions);
        assertEquals(1, registered.size(), registered.toString());
        JsonNode v = registered.get(0);
        assertEquals(name, v.path("name").asText());
        assertEquals(jobId, v.path("job_id").asText());
        assertEquals(CoordFleetResources.EVENT_BUDGET, v.path("budget").asDouble());
        assertEquals(CoordFleetResources.EVENT_MODEL.toString(), v.path("parent").path("uri").asText());
        assertEquals(etag, v.path("parent").path("etag").asText(), "the parent's weights version");
        assertEquals(result.path("checkpoint_uri").asText(), v.path("checkpoint_uri").asText());
        assertEquals(result.path("mask_uri").asText(), v.path("mask_uri").asText());
        assertEquals(result.path("checkpoint_uri").asText().replace("/config.json", "/model.onnx"),
                v.path("onnx_uri").asText(), "the version lists the model.onnx beside the checkpoint");
        assertEquals(result.path("prunable_flops_after").asDouble(), v.path("flops").path("prunable_after").asDouble());
        assertTrue(v.path("flops").path("total_after").asDouble() < v.path("flops").path("total_before").asDouble());
        assertEquals(ScoringSpecs.DEFAULT_SCORER, v.path("scoring").path("scorer").asText(), v.toString());
        int number = v.path("version").asInt();
        assertEquals(v, Api.json(api.get("/models/" + name + "/" + number)));
        assertTrue(api.get("/models").body().contains("\"job_id\":\"" + jobId + "\""));
        HttpResponse<String> absent = api.get("/models/" + name + "/" + (number + 100));
        assertEquals(404, absent.statusCode(), absent.body());
        assertTrue(absent.body().contains(String.valueOf(number + 100)), absent.body());
        HttpResponse<String> unknown = api.get("/models/no-such-model");
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertTrue(unknown.body().contains("no-such-model"), unknown.body());

        // The identical event again, and the identical bytes uploaded again (same ETag): no second job.
        ConsumerRecord<String, String> event = awaitRecord(Topics.CHECKPOINT_EVENTS,
                r -> r.key().equals(CoordFleetResources.MODELS_BUCKET + "/" + CoordFleetResources.EVENT_MODEL.key()));
        worker.send(Topics.CHECKPOINT_EVENTS, event.key(), event.value());
        awaitDecisions(d -> "already_started".equals(d.path("outcome").asText())
                && jobId.equals(d.path("job_id").asText()), 1);
        JsonNode again = upload(CoordFleetResources.EVENT_MODEL, CoordFleetResources.localModel());
        assertEquals(etag, again.path("etag").asText(), "identical bytes, identical ETag");
        awaitDecisions(d -> "already_started".equals(d.path("outcome").asText())
                && jobId.equals(d.path("job_id").asText()), 2);
        long jobsOfTheModel = 0;
        for (JsonNode job : Api.json(api.get("/jobs"))) {
            if (job.path("request").path("model_uri").asText().equals(CoordFleetResources.EVENT_MODEL.toString())) {
                jobsOfTheModel++;
            }
        }
        assertEquals(1, jobsOfTheModel, "one job for one checkpoint version");
        // What a restarted coordinator reads back: the version is in the ledger with its job.
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(LedgerSettings.defaults(bootstrapServers)
                .withTransactionalId("test-ledger-reader"))) {
            assertEquals(jobId, ledger.jobFor(version).orElseThrow(() -> new AssertionError(version.key()
                    + " is not in the ledger")));
        }

        // Only the config.json of another model: rejected, naming the missing weights, and dead-lettered.
        S3Uri lonelyConfig = S3Uri.of(CoordFleetResources.MODELS_BUCKET, "minilm/2/config.json");
        HttpResponse<String> put = api.put("/uploads/" + lonelyConfig.bucket() + "/" + lonelyConfig.key(),
                BERT_CONFIG.getBytes(StandardCharsets.UTF_8));
        assertEquals(201, put.statusCode(), put.body());
        String missing = "s3://" + CoordFleetResources.MODELS_BUCKET + "/minilm/2/model.safetensors";
        JsonNode rejected = awaitDecision(d -> lonelyConfig.toString().equals(d.path("object").asText()));
        assertEquals("rejected", rejected.path("outcome").asText(), rejected.toString());
        assertEquals("INCOMPLETE", rejected.path("reason").asText(), rejected.toString());
        assertTrue(rejected.path("detail").asText().contains(missing), rejected.toString());
        DeadLetter letter = Json.read(awaitRecord(Topics.DEAD_LETTERS, r -> r.value().contains("\"key\":\"models/"
                + lonelyConfig.key() + "\"")).value(), DeadLetter.class);
        assertEquals(Topics.CHECKPOINT_EVENTS, letter.sourceTopic());
        assertTrue(letter.reason().contains(missing), letter.reason());
        assertEquals("Rejected:INCOMPLETE", letter.errorType());

        // A message that is no notification at all: dead-lettered, never a crash.
        worker.send(Topics.CHECKPOINT_EVENTS, "garbage", "{\"Records\": [{\"eventName\": \"s3:ObjectCreated:Put\"");
        JsonNode malformed = awaitDecision(d -> "malformed".equals(d.path("outcome").asText()));
        assertTrue(malformed.path("detail").asText().contains("not valid JSON"), malformed.toString());
        DeadLetter garbage = Json.read(awaitRecord(Topics.DEAD_LETTERS,
                r -> r.value().contains("\"key\":\"garbage\"")).value(), DeadLetter.class);
        assertEquals(Topics.CHECKPOINT_EVENTS, garbage.sourceTopic());

        assertEquals(200, api.get("/q/health/live").statusCode(), "the events channel is alive");
        assertEquals(200, api.get("/q/health/ready").statusCode());
        assertEquals(200, api.get("/jobs/" + jobId).statusCode());
    }

    @Test
    void uploadsToAnInvalidKeyAre400NamingIt() {
        HttpResponse<String> r = api.put("/uploads/models/minilm/3/", new byte[] {1});
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("minilm/3/"), r.body());
        HttpResponse<String> badBucket = api.put("/uploads/Not_A_Bucket/x.json", new byte[] {1});
        assertEquals(400, badBucket.statusCode(), badBucket.body());
        assertTrue(badBucket.body().contains("Not_A_Bucket"), badBucket.body());
    }

    private JsonNode upload(S3Uri target, java.nio.file.Path file) {
        HttpResponse<String> r = api.put("/uploads/" + target.bucket() + "/" + target.key(), file);
        assertEquals(201, r.statusCode(), r.body());
        return Api.json(r);
    }

    private JsonNode awaitDecision(Predicate<JsonNode> match) {
        return awaitDecisions(match, 1).get(0);
    }

    /** Waits until GET /events lists at least {@code count} matching decisions; returns them, newest first. */
    private List<JsonNode> awaitDecisions(Predicate<JsonNode> match, int count) {
        AtomicReference<List<JsonNode>> found = new AtomicReference<>(List.of());
        await().atMost(EVENT_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<JsonNode> matching = new ArrayList<>();
            for (JsonNode d : Api.json(api.get("/events"))) {
                if (match.test(d)) {
                    matching.add(d);
                }
            }
            found.set(matching);
            return matching.size() >= count;
        });
        return found.get();
    }

    private ConsumerRecord<String, String> awaitRecord(String topic, Predicate<ConsumerRecord<String, String>> match) {
        AtomicReference<ConsumerRecord<String, String>> found = new AtomicReference<>();
        await().atMost(EVENT_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            topics.poll(Duration.ofMillis(200)).forEach(seen::add);
            seen.stream().filter(r -> r.topic().equals(topic) && r.key() != null && match.test(r)).findFirst()
                    .ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }
}
