package dev.optinfleet.coordinator.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Which uploaded checkpoints start jobs, prefix {@code optin.events}. The policy ({@code {"rules": [...]}}, see
 * {@link dev.optinfleet.registry.events.CheckpointPolicy#fromJson}) is given inline or as a file (a mounted
 * ConfigMap), not both; without one every event is rejected as matching no rule.
 */
@ConfigMapping(prefix = "optin.events")
public interface EventsConfig {

    /** The policy as JSON text. */
    Optional<String> policy();

    /** A file holding the policy JSON. */
    Optional<Path> policyFile();

    /** The compacted ledger of checkpoint versions that started a job. */
    @WithDefault("optin.processed-checkpoints")
    String ledgerTopic();

    /** Transactional id of the ledger's writer; a second coordinator with the same id fences the first. */
    @WithDefault("optin-checkpoint-ledger")
    String ledgerTransactionalId();

    /** How long one Kafka call of the ledger may take. */
    @WithDefault("30s")
    Duration ledgerTimeout();

    /** How many recent decisions {@code GET /events} lists. */
    @WithDefault("200")
    int recentDecisions();
}
