package dev.optinfleet.embedded;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
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
    public static final Map<String, String> DEFAULT_BROKER_PROPERTIES =
            withProductionVersionsOnly(TopicAdmin.SINGLE_NODE);

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private final Duration startupTime;
    private final Map<String, Object> clientProperties;

    private EmbeddedKafka(KafkaClusterTestKit cluster, Duration startupTime, boolean sasl) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
        this.startupTime = startupTime;
        this.clientProperties = sasl ? saslClientProperties(bootstrapServers, JaasUtils.KAFKA_PLAIN_ADMIN,
                JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD)
                : Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
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
        return start(brokerProperties, false);
    }

    /**
     * Starts a broker whose client listener speaks SASL_PLAINTEXT with the PLAIN mechanism and authorises with
     * ACLs (none: only the super user {@value JaasUtils#KAFKA_PLAIN_ADMIN} may do anything), so a client without
     * credentials, or with wrong ones, is refused. {@link #clientProperties()} carries the super user's credentials.
     */
    public static EmbeddedKafka startWithSasl() {
        return start(Map.of(), true);
    }

    /**
     * Client properties for SASL_PLAINTEXT / PLAIN as {@code user}: the same keys the apps read from
     * {@code kafka.security.protocol}, {@code kafka.sasl.mechanism} and {@code kafka.sasl.jaas.config}.
     */
    public static Map<String, Object> saslClientProperties(String bootstrapServers, String user, String password) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_PLAINTEXT.name,
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + user + "\" password=\"" + password + "\";");
    }

    private static EmbeddedKafka start(Map<String, String> brokerProperties, boolean sasl) {
        Objects.requireNonNull(brokerProperties, "brokerProperties");
        Map<String, String> properties = new LinkedHashMap<>(DEFAULT_BROKER_PROPERTIES);
        properties.putAll(brokerProperties);
        long started = System.nanoTime();
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes.Builder nodeBuilder = new TestKitNodes.Builder(productionBootstrap())
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1);
            if (sasl) {
                // The test kit then writes the broker's JAAS file (plain-admin, plain-user1) and turns ACLs on,
                // with plain-admin the only super user. The controller listener must speak SASL too: left at
                // PLAINTEXT, the node's own controller and broker registrations arrive there as User:ANONYMOUS,
                // the authorizer refuses them CLUSTER_ACTION, and the broker never becomes ready ("fatal error
                // while waiting for the controller to acknowledge that we are caught up").
                nodeBuilder.setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT);
                nodeBuilder.setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT);
            }
            TestKitNodes nodes = nodeBuilder.build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            properties.forEach(builder::setConfigProp);
            cluster = builder.build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster, Duration.ofNanos(System.nanoTime() - started), sasl);
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

    /**
     * The test kit's formatter prints the bootstrap metadata to System.out, which is the CLI's console (the demo's
     * first lines were the broker's, not the job's); it has no stream parameter, so System.out is swapped for the
     * call, and what it printed is kept for the error when formatting fails. Called once, at start-up.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        java.io.PrintStream console = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            cluster.format();
        } catch (Exception e) {
            throw new IllegalStateException("formatting the broker's storage failed: " + e.getMessage() + "; it printed: "
                    + printed.toString(java.nio.charset.StandardCharsets.UTF_8), e);
        } finally {
            System.setOut(console);
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

    /**
     * Properties for an {@link Admin}, producer or consumer: the bootstrap servers, and for a SASL broker
     * ({@link #startWithSasl}) the super user's credentials.
     */
    public Map<String, Object> clientProperties() {
        return clientProperties;
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
        TopicAdmin.create(clientProperties, name, partitions, compacted);
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

    private static Map<String, String> withProductionVersionsOnly(Map<String, String> base) {
        Map<String, String> properties = new TreeMap<>(base);
        properties.put("unstable.api.versions.enable", "false");
        properties.put("unstable.feature.versions.enable", "false");
        return Map.copyOf(properties);
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
