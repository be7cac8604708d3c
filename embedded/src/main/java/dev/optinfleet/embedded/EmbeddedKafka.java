package dev.optinfleet.embedded;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka cluster (one combined KRaft controller + broker) inside this JVM, started with Kafka's
 * own {@link KafkaClusterTestKit}. Its logs live in a temporary directory deleted on {@link #close()}. Clients connect
 * through {@link #bootstrapServers()} (PLAINTEXT, a free loopback port).
 *
 * <p>Broker settings a one-node cluster needs, on top of Kafka's defaults: internal topics with replication factor 1,
 * no initial rebalance delay (consumer groups form at once), one partition for the offsets topic (fast first join),
 * and, unlike Kafka's test kit, production metadata and API versions only.
 * Any of them can be overridden with {@link #start(Map)}.
 *
 * <p>The broker logs through SLF4J at INFO; quiet it in the host's logging configuration, e.g. categories
 * {@code kafka}, {@code org.apache.kafka} at WARN ({@code quarkus.log.category."kafka".level=WARN} in Quarkus).
 *
 * <p>Thread-safe: {@link #createTopic} may be called from several threads.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Broker settings applied before the caller's overrides. */
    public static final Map<String, String> DEFAULT_BROKER_PROPERTIES = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0",
            "unstable.api.versions.enable", "false",
            "unstable.feature.versions.enable", "false");

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private final Duration startupTime;

    private EmbeddedKafka(KafkaClusterTestKit cluster, Duration startupTime) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
        this.startupTime = startupTime;
    }

    /** Starts a broker with {@link #DEFAULT_BROKER_PROPERTIES} and waits until it accepts clients. */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Starts a broker with {@link #DEFAULT_BROKER_PROPERTIES} overridden by {@code brokerProperties} and waits until
     * it accepts clients.
     *
     * @throws IllegalStateException when the broker cannot be formatted or started, with Kafka's cause
     */
    public static EmbeddedKafka start(Map<String, String> brokerProperties) {
        Objects.requireNonNull(brokerProperties, "brokerProperties");
        Map<String, String> properties = new LinkedHashMap<>(DEFAULT_BROKER_PROPERTIES);
        properties.putAll(brokerProperties);
        long started = System.nanoTime();
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder(productionBootstrap())
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            properties.forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster, Duration.ofNanos(System.nanoTime() - started));
        } catch (Exception e) {
            if (cluster != null) {
                closeQuietly(cluster, e);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    /** {@code host:port} of the broker's PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** From building the cluster to the broker being ready. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Properties for an {@link Admin}, producer or consumer: only the bootstrap servers. */
    public Map<String, Object> clientProperties() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /**
     * Creates a topic with replication factor 1 and waits until the controller has committed it.
     *
     * @param compacted {@code cleanup.policy=compact} when true (latest value per key is kept), else Kafka's default
     *                  ({@code delete})
     * @throws IllegalArgumentException when name is blank or partitions is not positive
     * @throws IllegalStateException when the broker refuses the topic (for instance, it exists already), naming it
     */
    public void createTopic(String name, int partitions, boolean compacted) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank, was '" + name + "'");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions + " for topic " + name);
        }
        NewTopic topic = new NewTopic(name, partitions, (short) 1);
        if (compacted) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(java.util.List.of(topic)).all()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + " (" + partitions + " partitions, "
                    + (compacted ? "compacted" : "delete policy") + "): " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("topic " + name + " was not created within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }

    /** Stops the broker and controller and deletes their log directories. */
    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("embedded Kafka broker did not shut down cleanly: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + "]";
    }

    /**
     * The newest production metadata version and feature levels: the test kit would otherwise format the cluster
     * with the newest unstable (testing) ones, which a real deployment never runs.
     */
    private static BootstrapMetadata productionBootstrap() {
        MetadataVersion version = MetadataVersion.latestProduction();
        Map<String, Short> features = new TreeMap<>();
        for (Feature feature : Feature.PRODUCTION_FEATURES) {
            features.put(feature.featureName(), feature.defaultLevel(version));
        }
        return BootstrapMetadata.fromVersions(version, features, "optin-embedded");
    }

    private static void closeQuietly(KafkaClusterTestKit cluster, Exception primary) {
        try {
            cluster.close();
        } catch (Exception suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
