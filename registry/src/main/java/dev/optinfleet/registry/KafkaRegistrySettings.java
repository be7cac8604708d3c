package dev.optinfleet.registry;

import dev.optinfleet.schemas.Topics;
import dev.optinfleet.storage.S3Uri;
import org.apache.kafka.clients.CommonClientConfigs;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@link KafkaModelRegistry} keeps its versions. Immutable.
 *
 * @param clientProperties Kafka client properties (at least {@code bootstrap.servers}; security settings too)
 * @param topic            the compacted registry topic, default {@link Topics#MODEL_REGISTRY}
 * @param transactionalId  the writer's transactional id; instances sharing it fence each other (one writer at a
 *                         time), default {@value #DEFAULT_TRANSACTIONAL_ID}
 * @param indexUri         the index object rewritten after each registration, default {@value #DEFAULT_INDEX_URI}
 * @param timeout          how long one Kafka call may take before the registry reports itself unavailable
 */
public record KafkaRegistrySettings(Map<String, Object> clientProperties, String topic, String transactionalId,
                                    S3Uri indexUri, Duration timeout) {

    public static final String DEFAULT_TRANSACTIONAL_ID = "optin-model-registry";
    public static final String DEFAULT_INDEX_URI = "s3://optin/registry/index.json";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public KafkaRegistrySettings {
        clientProperties = Map.copyOf(Objects.requireNonNull(clientProperties, "clientProperties"));
        if (!clientProperties.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("clientProperties must contain "
                    + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank, was '" + topic + "'");
        }
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("transactionalId must not be blank, was '" + transactionalId + "'");
        }
        Objects.requireNonNull(indexUri, "indexUri").requireObject();
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    /** The defaults, against the given brokers. */
    public static KafkaRegistrySettings defaults(String bootstrapServers) {
        return new KafkaRegistrySettings(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                Topics.MODEL_REGISTRY, DEFAULT_TRANSACTIONAL_ID, S3Uri.parse(DEFAULT_INDEX_URI), DEFAULT_TIMEOUT);
    }

    public KafkaRegistrySettings withTopic(String topic) {
        return new KafkaRegistrySettings(clientProperties, topic, transactionalId, indexUri, timeout);
    }

    public KafkaRegistrySettings withTransactionalId(String transactionalId) {
        return new KafkaRegistrySettings(clientProperties, topic, transactionalId, indexUri, timeout);
    }

    public KafkaRegistrySettings withIndexUri(S3Uri indexUri) {
        return new KafkaRegistrySettings(clientProperties, topic, transactionalId, indexUri, timeout);
    }

    public KafkaRegistrySettings withTimeout(Duration timeout) {
        return new KafkaRegistrySettings(clientProperties, topic, transactionalId, indexUri, timeout);
    }
}
