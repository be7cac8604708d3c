package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.schemas.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The coordinator against a broker that requires SASL: start-up recovery, the channels, the registry and the
 * checkpoint ledger all connect with the one set of {@code kafka.*} security settings, so a job runs to the end and
 * its version is registered; a client without credentials, or with a wrong password, gets nothing.
 */
@QuarkusTest
@WithTestResource(SaslFleetResources.class)
class CoordKafkaSaslTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;
    // Optional: every @QuarkusTest class is a bean of the same application, so a required injection point here
    // would stop the coordinator of every other test class (which has no SASL settings) from starting.
    @ConfigProperty(name = "kafka.security.protocol")
    java.util.Optional<String> protocolSetting;
    @ConfigProperty(name = "kafka.sasl.mechanism")
    java.util.Optional<String> mechanismSetting;
    @ConfigProperty(name = "kafka.sasl.jaas.config")
    java.util.Optional<String> jaasSetting;

    @TestHTTPResource("/")
    URL root;

    @Test
    void aJobRunsToTheEndAndIsRegisteredOverSasl() {
        String protocol = protocolSetting.orElseThrow();
        String mechanism = mechanismSetting.orElseThrow();
        String jaas = jaasSetting.orElseThrow();
        assertEquals("SASL_PLAINTEXT", protocol);
        Api api = new Api(root);
        api.awaitReady(); // start-up recovery read job-status and task-scores over SASL
        try (TestWorker worker = new TestWorker(Map.of("bootstrap.servers", bootstrapServers,
                "security.protocol", protocol, "sasl.mechanism", mechanism, "sasl.jaas.config", jaas))) {
            JsonNode done = api.runToDone(worker, Api.request("minilm-sasl", List.of(0.5), null, 4));
            assertEquals("done", done.path("state").asText(), done.toString());
        }
        HttpResponse<String> versions = api.get("/models/minilm-sasl");
        assertEquals(200, versions.statusCode(), "registered through the registry's own producer: "
                + versions.body());
        System.out.println("SECURITY|job on a SASL_PLAINTEXT broker: state done, GET /models/minilm-sasl|"
                + versions.statusCode());
    }

    @Test
    void aClientWithoutCredentialsOrWithAWrongPasswordIsRefused() throws Exception {
        long endBefore = endOffset(Topics.JOB_REQUESTS);
        // No SASL at all: the broker drops the connection at every try; nothing is ever sent.
        try (KafkaProducer<String, String> anonymous = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000),
                new StringSerializer(), new StringSerializer())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> anonymous.send(
                    new ProducerRecord<>(Topics.JOB_REQUESTS, "x", "{}")).get(10, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, e.getCause(), e.toString());
            System.out.println("SECURITY|Kafka producer without credentials|refused ("
                    + e.getCause().getClass().getSimpleName() + ")");
        }
        assertEquals(endBefore, endOffset(Topics.JOB_REQUESTS), "the anonymous producer wrote nothing");
        Map<String, Object> wrong = new java.util.HashMap<>(EmbeddedKafka.saslClientProperties(bootstrapServers,
                "plain-admin", "not-the-password"));
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(wrong)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.listTopics().names().get(10, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
            System.out.println("SECURITY|Kafka admin with a wrong password|refused ("
                    + e.getCause().getClass().getSimpleName() + ")");
        }
    }

    /** The end offset of partition 0 of {@code topic}, read with the app's own credentials. */
    private long endOffset(String topic) throws Exception {
        Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, protocolSetting.orElseThrow(),
                org.apache.kafka.common.config.SaslConfigs.SASL_MECHANISM, mechanismSetting.orElseThrow(),
                org.apache.kafka.common.config.SaslConfigs.SASL_JAAS_CONFIG, jaasSetting.orElseThrow());
        try (Admin client = Admin.create(admin)) {
            org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            return client.listOffsets(Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .partitionResult(partition).get(30, TimeUnit.SECONDS).offset();
        }
    }
}
