package dev.optinfleet.coordinator.registry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * Where finished jobs' pruned checkpoints are registered, prefix {@code optin.registry}: always in the registry of our
 * own (a compacted Kafka topic plus an index object), and also in MLflow when {@code mlflow.tracking-uri} is set.
 */
@ConfigMapping(prefix = "optin.registry")
public interface RegistryConfig {

    /** The compacted topic of registered versions. */
    @WithDefault("optin.model-registry")
    String topic();

    /** Transactional id of the registry's writer; a second coordinator with the same id fences the first. */
    @WithDefault("optin-model-registry")
    String transactionalId();

    /** The index object rewritten after each registration, for readers without Kafka. */
    @WithDefault("s3://optin/registry/index.json")
    String indexUri();

    /** How long one Kafka call of the registry may take. */
    @WithDefault("30s")
    Duration timeout();

    /** MLflow's Model Registry, optional. */
    Mlflow mlflow();

    /** MLflow settings; in production from MLflow's own variables (MLFLOW_TRACKING_URI, ...). */
    interface Mlflow {
        /** {@code http(s)://host[:port]} of the tracking server; unset = no MLflow registration. */
        Optional<String> trackingUri();

        /** Bearer token. */
        Optional<String> token();

        /** Basic-auth user (with password). */
        Optional<String> username();

        Optional<String> password();
    }
}
