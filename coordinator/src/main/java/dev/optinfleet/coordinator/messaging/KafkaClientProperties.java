package dev.optinfleet.coordinator.messaging;

import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.CommonClientConfigs;

import java.util.Map;
import java.util.TreeMap;

/**
 * The one place every plain Kafka client of the coordinator (start-up recovery, the model registry, the checkpoint
 * ledger) takes its connection and security settings from: the {@code kafka.*} configuration that the SmallRye
 * channels use too (Quarkus' {@code default-kafka-broker} map), so a SASL or TLS cluster is configured once, with
 * {@code kafka.security.protocol}, {@code kafka.sasl.*} and {@code kafka.ssl.*} (in production from
 * {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG} and
 * {@code KAFKA_SSL_*}; see docs/security.md).
 *
 * <p>Only connection-level keys are copied: channel settings such as {@code group.id} or deserializers are for
 * the channels alone.
 */
@Singleton
public class KafkaClientProperties {
    private final Map<String, Object> properties;

    @Inject
    public KafkaClientProperties(@Identifier("default-kafka-broker") Map<String, Object> broker) {
        this.properties = connectionOnly(broker);
        if (!properties.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalStateException("kafka.bootstrap.servers is not set (KAFKA_BOOTSTRAP in production)");
        }
    }

    /** bootstrap.servers, security.protocol, sasl.*, ssl.* and client.dns.lookup, as configured. */
    public Map<String, Object> common() {
        return properties;
    }

    static Map<String, Object> connectionOnly(Map<String, Object> all) {
        Map<String, Object> out = new TreeMap<>();
        all.forEach((key, value) -> {
            if (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                    || key.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                    || key.equals(CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG)
                    || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                out.put(key, value);
            }
        });
        return Map.copyOf(out);
    }

    @Override
    public String toString() {
        // Never the JAAS config or a password.
        return "KafkaClientProperties" + properties.keySet();
    }
}
