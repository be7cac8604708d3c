package dev.optinfleet.coordinator;

import dev.optinfleet.embedded.EmbeddedKafka;

/**
 * {@link CoordFleetResources} over a broker that takes SASL_PLAINTEXT / PLAIN only and authorises with ACLs; the
 * app gets the credentials as {@code kafka.security.protocol}, {@code kafka.sasl.mechanism} and
 * {@code kafka.sasl.jaas.config}, the settings every one of its Kafka clients reads.
 */
public class SaslFleetResources extends CoordFleetResources {
    @Override
    protected EmbeddedKafka startKafka() {
        return EmbeddedKafka.startWithSasl();
    }
}
