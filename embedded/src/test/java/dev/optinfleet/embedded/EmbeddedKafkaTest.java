package dev.optinfleet.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        System.out.println("EmbeddedKafka started in " + kafka.startupTime().toMillis() + " ms at "
                + kafka.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void recordProducedToCreatedTopicIsConsumed() throws Exception {
        kafka.createTopic("round-trip", 3, false);

        Map<String, Object> producerProps = new HashMap<>(kafka.clientProperties());
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
            producer.send(new ProducerRecord<>("round-trip", "job-1", "hello")).get(30, TimeUnit.SECONDS);
        }

        Map<String, Object> consumerProps = new HashMap<>(kafka.clientProperties());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "round-trip-test");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
            consumer.subscribe(List.of("round-trip"));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
        }
        assertEquals(1, received.size(), "records received within " + TIMEOUT);
        assertEquals("job-1", received.get(0).key());
        assertEquals("hello", received.get(0).value());
    }

    @Test
    void compactedTopicHasCompactCleanupPolicy() throws Exception {
        kafka.createTopic("job-status", 1, true);
        kafka.createTopic("scoring-tasks", 2, false);

        try (Admin admin = Admin.create(kafka.clientProperties())) {
            ConfigResource compacted = new ConfigResource(ConfigResource.Type.TOPIC, "job-status");
            ConfigResource plain = new ConfigResource(ConfigResource.Type.TOPIC, "scoring-tasks");
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(compacted, plain)).all()
                    .get(30, TimeUnit.SECONDS);
            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT,
                    configs.get(compacted).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
            assertEquals(TopicConfig.CLEANUP_POLICY_DELETE,
                    configs.get(plain).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
            assertEquals(2, admin.describeTopics(Set.of("scoring-tasks")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("scoring-tasks").partitions().size());
        }
    }

    @Test
    void creatingAnExistingTopicFailsNamingIt() {
        kafka.createTopic("twice", 1, false);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> kafka.createTopic("twice", 1, false));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void rejectsNonPositivePartitionCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kafka.createTopic("bad", 0, false));
        assertTrue(e.getMessage().contains("was 0"), e.getMessage());
    }
}
