package dev.optinfleet.registry;

import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kafka registry against a real broker and a real S3 server, across restarts. */
class KafkaModelRegistryTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-14T12:00:00Z"), ZoneOffset.UTC);

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

    /** A fresh compacted topic, transactional id and index object per test. */
    private static KafkaRegistrySettings settingsFor(TestInfo test) {
        String id = test.getTestMethod().orElseThrow().getName().toLowerCase();
        String topic = "registry-" + id;
        kafka.createTopic(topic, 1, true);
        return KafkaRegistrySettings.defaults(kafka.bootstrapServers()).withTopic(topic)
                .withTransactionalId("registry-" + id).withIndexUri(S3Uri.parse("s3://optin/registry/" + id
                        + "/index.json"));
    }

    @Test
    void versionsCountPerNameFromOne(TestInfo test) {
        try (KafkaModelRegistry registry = KafkaModelRegistry.open(settingsFor(test), store, CLOCK)) {
            ModelVersion a1 = registry.register(Drafts.draft("minilm", "job-1", 0.6));
            ModelVersion a2 = registry.register(Drafts.draft("minilm", "job-1", 0.5));
            ModelVersion b1 = registry.register(Drafts.draft("bert", "job-2", 0.6));
            assertEquals(List.of(1, 2, 1), List.of(a1.version(), a2.version(), b1.version()));
            assertEquals(CLOCK.millis(), a1.createdAt());
            assertEquals(List.of(b1, a1, a2), registry.list());
            assertEquals(List.of(a1, a2), registry.list("minilm"));
            assertEquals(Optional.of(a2), registry.get("minilm", 2));
            assertEquals(Optional.empty(), registry.get("minilm", 3));
            assertEquals(Optional.of(a2), registry.latest("minilm"));
            assertEquals(List.of(), registry.list("unknown"));
        }
    }

    @Test
    void restartedRegistrySeesOldVersionsAndContinuesNumbering(TestInfo test) {
        KafkaRegistrySettings settings = settingsFor(test);
        List<ModelVersion> before;
        try (KafkaModelRegistry registry = KafkaModelRegistry.open(settings, store, CLOCK)) {
            registry.register(Drafts.draft("minilm", "job-1", 0.6));
            registry.register(Drafts.draft("minilm", "job-1", 0.5));
            before = registry.list();
        }
        try (KafkaModelRegistry restarted = KafkaModelRegistry.open(settings, store, CLOCK)) {
            assertEquals(before, restarted.list());
            ModelVersion third = restarted.register(Drafts.draft("minilm", "job-2", 0.6));
            assertEquals(3, third.version());
            assertEquals(third, restarted.get("minilm", 3).orElseThrow());
        }
    }

    @Test
    void sameJobAndBudgetRegistersOnceAlsoAfterRestart(TestInfo test) {
        KafkaRegistrySettings settings = settingsFor(test);
        ModelVersion first;
        try (KafkaModelRegistry registry = KafkaModelRegistry.open(settings, store, CLOCK)) {
            first = registry.register(Drafts.draft("minilm", "job-1", 0.6));
            assertEquals(first, registry.register(Drafts.draft("minilm", "job-1", 0.6)));
        }
        try (KafkaModelRegistry restarted = KafkaModelRegistry.open(settings, store, CLOCK)) {
            assertEquals(first, restarted.register(Drafts.draft("minilm", "job-1", 0.6)));
            assertEquals(List.of(first), restarted.list());
        }
    }

    @Test
    void indexObjectListsEveryVersionByName(TestInfo test) throws Exception {
        KafkaRegistrySettings settings = settingsFor(test);
        try (KafkaModelRegistry registry = KafkaModelRegistry.open(settings, store, CLOCK)) {
            ModelVersion a = registry.register(Drafts.draft("minilm", "job-1", 0.6, "alice"));
            ModelVersion b = registry.register(Drafts.draft("bert", "job-2", 0.75));
            assertTrue(registry.indexCurrent());
            String json = new String(store.getBytes(settings.indexUri()), StandardCharsets.UTF_8);
            RegistryIndex index = Json.read(json, RegistryIndex.class);
            assertEquals(Map.of("minilm", List.of(a), "bert", List.of(b)), index.models());
            assertEquals(List.of("bert", "minilm"), List.copyOf(index.models().keySet()));
            assertEquals(settings.topic(), index.topic());
            assertTrue(json.contains("\"budget\" : 0.75"), json);
            // Who submitted the job is in the index (and on the topic, which the restart below reads back).
            assertEquals("alice", index.models().get("minilm").get(0).submittedBy());
            assertTrue(json.contains("\"submitted_by\" : \"alice\""), json);
            assertEquals(null, index.models().get("bert").get(0).submittedBy());
        }
        try (KafkaModelRegistry restarted = KafkaModelRegistry.open(settings, store, CLOCK)) {
            assertEquals("alice", restarted.get("minilm", 1).orElseThrow().submittedBy());
        }
    }

    @Test
    void olderInstanceIsFencedByANewerOneWhichContinuesItsNumbering(TestInfo test) {
        KafkaRegistrySettings settings = settingsFor(test);
        try (KafkaModelRegistry old = KafkaModelRegistry.open(settings, store, CLOCK)) {
            old.register(Drafts.draft("minilm", "job-1", 0.6));
            try (KafkaModelRegistry newer = KafkaModelRegistry.open(settings, store, CLOCK)) {
                RegistryFencedException e = assertThrows(RegistryFencedException.class,
                        () -> old.register(Drafts.draft("minilm", "job-2", 0.6)));
                assertFalse(e.isRetryable());
                assertTrue(e.getMessage().contains(settings.topic()), e.getMessage());
                assertEquals(2, newer.register(Drafts.draft("minilm", "job-3", 0.6)).version());
            }
        }
    }

    @Test
    void deletedVersionIsGoneAndItsNumberNotReused(TestInfo test) throws Exception {
        KafkaRegistrySettings settings = settingsFor(test);
        try (KafkaModelRegistry registry = KafkaModelRegistry.open(settings, store, CLOCK)) {
            registry.register(Drafts.draft("minilm", "job-1", 0.6));
            registry.register(Drafts.draft("minilm", "job-1", 0.5));
        }
        produce(settings.topic(), "minilm/2", null);
        produce(settings.topic(), "minilm/7", "{\"not\":\"a version\"}");
        try (KafkaModelRegistry restarted = KafkaModelRegistry.open(settings, store, CLOCK)) {
            assertEquals(List.of(1), restarted.list("minilm").stream().map(ModelVersion::version).toList());
            assertEquals(1, restarted.skippedRecords());
            assertEquals(3, restarted.register(Drafts.draft("minilm", "job-2", 0.6)).version());
        }
    }

    @Test
    void missingTopicIsARequestErrorNamingIt() {
        KafkaRegistrySettings settings = KafkaRegistrySettings.defaults(kafka.bootstrapServers())
                .withTopic("registry-never-created").withTransactionalId("registry-missing");
        RegistryRequestException e = assertThrows(RegistryRequestException.class,
                () -> KafkaModelRegistry.open(settings, store, CLOCK));
        assertTrue(e.getMessage().contains("registry-never-created"), e.getMessage());
    }

    private static void produce(String topic, String key, String value) throws Exception {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        }
    }
}
