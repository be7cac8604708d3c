package dev.optinfleet.registry.events;

import dev.optinfleet.schemas.Topics;
import org.apache.kafka.clients.CommonClientConfigs;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@link ProcessedCheckpoints} keeps its entries. Immutable.
 *
 * @param clientProperties Kafka client properties (at least {@code bootstrap.servers})
 * @param topic            the compacted ledger topic, default {@link Topics#PROCESSED_CHECKPOINTS}
 * @param transactionalId  the writer's transactional id (one writer at a time), default
 *                         {@value #DEFAULT_TRANSACTIONAL_ID}
 * @param timeout          how long one Kafka call may take
 */
public record LedgerSettings(Map<String, Object> clientProperties, String topic, String transactionalId,
                             Duration timeout) {

    public static final String DEFAULT_TRANSACTIONAL_ID = "optin-checkpoint-ledger";

    public LedgerSettings {
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
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    public static LedgerSettings defaults(String bootstrapServers) {
        return new LedgerSettings(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                Topics.PROCESSED_CHECKPOINTS, DEFAULT_TRANSACTIONAL_ID, Duration.ofSeconds(30));
    }

    public LedgerSettings withTopic(String topic) {
        return new LedgerSettings(clientProperties, topic, transactionalId, timeout);
    }

    public LedgerSettings withTransactionalId(String transactionalId) {
        return new LedgerSettings(clientProperties, topic, transactionalId, timeout);
    }
}
