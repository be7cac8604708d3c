package dev.optinfleet.coordinator.registry;

import dev.optinfleet.coordinator.messaging.KafkaClientProperties;
import dev.optinfleet.registry.KafkaModelRegistry;
import dev.optinfleet.registry.KafkaRegistrySettings;
import dev.optinfleet.registry.ModelRegistry;
import dev.optinfleet.registry.ModelVersion;
import dev.optinfleet.registry.ModelVersionDraft;
import dev.optinfleet.registry.RegistryException;
import dev.optinfleet.registry.mlflow.MlflowModelRegistry;
import dev.optinfleet.registry.mlflow.MlflowSettings;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The coordinator's model registries: the default {@link KafkaModelRegistry} (opened on first use, so a broker that
 * is down at start-up delays the registry, not the coordinator; a failed open is tried again at the next use) and,
 * when {@code optin.registry.mlflow.tracking-uri} is set, an {@link MlflowModelRegistry} that every registration is
 * copied to. Settings are checked at start-up, naming the key.
 *
 * <p>Thread-safe: opening is serialised; the registries serialise their own calls.
 */
@Singleton
@Startup
public class ModelRegistries {
    private static final Logger LOG = Logger.getLogger(ModelRegistries.class);

    private final KafkaRegistrySettings kafkaSettings;
    private final ObjectStore store;
    private final MlflowModelRegistry mlflow;
    private KafkaModelRegistry kafka; // guarded by this

    public ModelRegistries(RegistryConfig config, ObjectStore store,
                           KafkaClientProperties kafka) {
        this.store = store;
        this.kafkaSettings = kafkaSettings(config, kafka.common());
        this.mlflow = mlflowSettings(config.mlflow()).map(MlflowModelRegistry::new).orElse(null);
        if (mlflow != null) {
            LOG.infof("pruned models are also registered in MLflow at %s", config.mlflow().trackingUri().get());
        }
    }

    static KafkaRegistrySettings kafkaSettings(RegistryConfig config, Map<String, Object> clientProperties) {
        S3Uri index;
        try {
            index = S3Uri.parse(config.indexUri()).requireObject();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optin.registry.index-uri must be s3://bucket/key of an object, was '"
                    + config.indexUri() + "': " + e.getMessage(), e);
        }
        try {
            return new KafkaRegistrySettings(clientProperties, config.topic(), config.transactionalId(), index, config.timeout());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optin.registry: " + e.getMessage(), e);
        }
    }

    static Optional<MlflowSettings> mlflowSettings(RegistryConfig.Mlflow config) {
        Optional<String> uri = config.trackingUri().map(String::trim).filter(s -> !s.isEmpty());
        if (uri.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new MlflowSettings(URI.create(uri.get()), blankToNull(config.token()),
                    blankToNull(config.username()), blankToNull(config.password()),
                    MlflowSettings.DEFAULT_REQUEST_TIMEOUT, MlflowSettings.DEFAULT_RETRY));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optin.registry.mlflow (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN,"
                    + " MLFLOW_TRACKING_USERNAME/PASSWORD): " + e.getMessage(), e);
        }
    }

    /**
     * The registry of our own, opened now if it is not yet.
     *
     * @throws RegistryException when it cannot be opened (typed: retry later, or fix the deployment)
     */
    public synchronized KafkaModelRegistry registry() {
        if (kafka == null) {
            kafka = KafkaModelRegistry.open(kafkaSettings, store);
        }
        return kafka;
    }

    /** The MLflow registry, when configured. */
    public Optional<ModelRegistry> mlflow() {
        return Optional.ofNullable(mlflow);
    }

    /**
     * Registers the draft in the registry of our own (idempotent per name, job and budget), then copies it to MLflow
     * when configured. An MLflow failure is logged and does not undo or fail the registration: the topic is the
     * record of truth.
     *
     * @throws RegistryException when the registry of our own refuses or cannot be reached
     */
    public ModelVersion register(ModelVersionDraft draft) {
        ModelVersion version = registry().register(draft);
        if (mlflow != null) {
            try {
                ModelVersion copy = mlflow.register(draft);
                LOG.infof("%s also registered in MLflow as %s", version.key(), copy.key());
            } catch (RegistryException e) {
                LOG.warnf("%s is registered, but not in MLflow: %s", version.key(), e.getMessage());
            }
        }
        return version;
    }

    @PreDestroy
    synchronized void close() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (mlflow != null) {
            mlflow.close();
        }
    }

    private static String blankToNull(Optional<String> value) {
        return value.map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
    }
}
