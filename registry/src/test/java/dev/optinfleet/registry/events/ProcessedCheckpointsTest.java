package dev.optinfleet.registry.events;

import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.registry.kafka.KafkaLogException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.events.MinioEventWriter;
import dev.optinfleet.schemas.events.ObjectCreated;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ledger and the intake on a real broker and S3 server: duplicates, replays, restarts, takeovers. */
class ProcessedCheckpointsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String BUCKET = "models";

    @TempDir
    static Path data;

    private static EmbeddedKafka kafka;
    private static S3ProxyServer s3;
    private static ObjectStore store;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        s3 = S3ProxyServer.start(data);
        store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(), s3.secretKey()));
        store.ensureBucket(BUCKET);
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static String id(TestInfo test) {
        return test.getTestMethod().orElseThrow().getName().toLowerCase();
    }

    private static LedgerSettings ledgerFor(String id) {
        kafka.createTopic("ledger-" + id, 1, true);
        return LedgerSettings.defaults(kafka.bootstrapServers()).withTopic("ledger-" + id)
                .withTransactionalId("ledger-" + id);
    }

    @Test
    void secondClaimOfAVersionIsRefused(TestInfo test) {
        CheckpointVersion v1 = new CheckpointVersion(BUCKET, "minilm/1/model.safetensors", "etag-1");
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(ledgerFor(id(test)))) {
            assertEquals(Optional.empty(), ledger.jobFor(v1));
            assertTrue(ledger.claim(v1, v1.jobId()));
            assertFalse(ledger.claim(v1, "another-job"));
            assertEquals(Optional.of(v1.jobId()), ledger.jobFor(v1));
            assertTrue(ledger.claim(new CheckpointVersion(BUCKET, "minilm/1/model.safetensors", "etag-2"), "j2"));
        }
    }

    @Test
    void ledgerRecreatedFromItsTopicRemembersClaims(TestInfo test) {
        LedgerSettings settings = ledgerFor(id(test));
        CheckpointVersion v1 = new CheckpointVersion(BUCKET, "minilm/1/model.safetensors", "etag-1");
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(settings)) {
            assertTrue(ledger.claim(v1, "job-1"));
        }
        try (ProcessedCheckpoints recreated = ProcessedCheckpoints.open(settings)) {
            assertEquals(1, recreated.size());
            assertEquals(Optional.of("job-1"), recreated.jobFor(v1));
            assertFalse(recreated.claim(v1, "job-1"));
        }
    }

    @Test
    void olderLedgerIsFencedByANewerOneWhichSeesItsClaims(TestInfo test) {
        LedgerSettings settings = ledgerFor(id(test));
        CheckpointVersion v1 = new CheckpointVersion(BUCKET, "a/model.safetensors", "e1");
        try (ProcessedCheckpoints old = ProcessedCheckpoints.open(settings)) {
            assertTrue(old.claim(v1, "job-1"));
            try (ProcessedCheckpoints newer = ProcessedCheckpoints.open(settings)) {
                assertThrows(KafkaLogException.Fenced.class,
                        () -> old.claim(new CheckpointVersion(BUCKET, "b/model.safetensors", "e2"), "job-2"));
                assertFalse(newer.claim(v1, "job-1"));
            }
        }
    }

    @Test
    void duplicateAndReplayedEventsStartOneJobPerVersionAlsoAfterRestart(TestInfo test) throws Exception {
        String id = id(test);
        LedgerSettings settings = ledgerFor(id);
        String events = "events-" + id;
        String requests = "requests-" + id;
        kafka.createTopic(events, 1, false);
        kafka.createTopic(requests, 1, false);
        CheckpointPolicy policy = new CheckpointPolicy(List.of(CheckpointRule.of("all", BUCKET, id + "/**",
                List.of(0.5), List.of("s3://data/cal/shard-00000.jsonl"))));

        // An upload in three files, each announced as MinIO would, and the weights event delivered twice.
        String dir = id + "/minilm/";
        publish(events, upload(dir + "config.json", CheckpointPolicyTest.CONFIG));
        ObjectCreated weights = upload(dir + "model.safetensors", "weights v1");
        publish(events, weights);
        publish(events, upload(dir + "tokenizer.json", "{}"));
        publish(events, weights);

        List<CheckpointIntake.Outcome> first = new ArrayList<>();
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(settings)) {
            CheckpointIntake intake = CheckpointIntake.publishingTo(requests, policy, store, ledger);
            for (ConsumerRecord<String, String> event : readAll(events, 4)) {
                first.addAll(intake.accept(event.value()));
            }
        }
        assertEquals(1, first.stream().filter(CheckpointIntake.Started.class::isInstance).count(), first.toString());
        assertEquals(3, first.stream().filter(CheckpointIntake.AlreadyStarted.class::isInstance).count());
        CheckpointIntake.Started started = (CheckpointIntake.Started) first.stream()
                .filter(CheckpointIntake.Started.class::isInstance).findFirst().orElseThrow();
        assertEquals(new CheckpointVersion(BUCKET, dir + "model.safetensors", weights.eTag()), started.checkpoint());

        // Restart: a new ledger from the topic, and the whole event topic replayed.
        List<CheckpointIntake.Outcome> replay = new ArrayList<>();
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(settings)) {
            CheckpointIntake intake = CheckpointIntake.publishingTo(requests, policy, store, ledger);
            for (ConsumerRecord<String, String> event : readAll(events, 4)) {
                replay.addAll(intake.accept(event.value()));
            }
            // New weights: a new version, one more job.
            ObjectCreated v2 = upload(dir + "model.safetensors", "weights v2");
            publish(events, v2);
            List<ConsumerRecord<String, String>> all = readAll(events, 5);
            replay.addAll(intake.accept(all.get(4).value()));
        }
        assertEquals(4, replay.stream().filter(CheckpointIntake.AlreadyStarted.class::isInstance).count(),
                replay.toString());
        CheckpointIntake.Started second = assertInstanceOf(CheckpointIntake.Started.class, replay.get(4));

        // Exactly the two job requests were published, keyed by job id, with the request as value.
        List<ConsumerRecord<String, String>> published = readAll(requests, 2);
        assertEquals(List.of(started.jobId(), second.jobId()), published.stream().map(ConsumerRecord::key).toList());
        JobRequest request = Json.read(published.get(0).value(), JobRequest.class);
        assertEquals("s3://models/" + dir + "config.json", request.modelUri());
        assertEquals("event", request.source());
        publish(requests, "sentinel", "end");
        assertEquals("sentinel", readAll(requests, 3).get(2).key(), "nothing between the two requests and the sentinel");
    }

    @Test
    void callingStarterStartsOnceAndSkipsKnownVersions(TestInfo test) {
        String id = id(test);
        CheckpointPolicy policy = new CheckpointPolicy(List.of(CheckpointRule.of("all", BUCKET, id + "/**",
                List.of(0.5), List.of("s3://data/cal/shard-00000.jsonl"))));
        String dir = id + "/onnx/";
        ObjectCreated onnx = upload(dir + "model.onnx", "onnx");
        ObjectCreated tokenizer = upload(dir + "tokenizer.json", "{}");
        List<String> startedJobs = new ArrayList<>();
        LedgerSettings settings = ledgerFor(id);
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(settings)) {
            CheckpointIntake intake = CheckpointIntake.calling((jobId, request) -> startedJobs.add(jobId), policy,
                    store, ledger);
            assertInstanceOf(CheckpointIntake.Started.class, intake.accept(onnx));
            assertInstanceOf(CheckpointIntake.AlreadyStarted.class, intake.accept(tokenizer));
        }
        try (ProcessedCheckpoints ledger = ProcessedCheckpoints.open(settings)) {
            CheckpointIntake intake = CheckpointIntake.calling((jobId, request) -> startedJobs.add(jobId), policy,
                    store, ledger);
            assertInstanceOf(CheckpointIntake.AlreadyStarted.class, intake.accept(onnx));
        }
        assertEquals(List.of(new CheckpointVersion(BUCKET, dir + "model.onnx", onnx.eTag()).jobId()), startedJobs);
    }

    private static ObjectCreated upload(String key, String content) {
        ObjectInfo info = store.putBytes(S3Uri.of(BUCKET, key), content.getBytes(StandardCharsets.UTF_8));
        return ObjectCreated.put(BUCKET, key, info.size(), info.etag());
    }

    private static void publish(String topic, ObjectCreated created) throws Exception {
        MinioEventWriter.Message message = MinioEventWriter.write(created, Instant.now());
        publish(topic, message.key(), message.value());
    }

    private static void publish(String topic, String key, String value) throws Exception {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    /** The first {@code count} committed records of a one-partition topic, from the beginning. */
    private static List<ConsumerRecord<String, String>> readAll(String topic, int count) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        assertEquals(count, records.size(), "records on " + topic + " within " + TIMEOUT);
        return records.subList(0, count);
    }
}
