package dev.optinfleet.embedded;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Topic creation shared by {@link EmbeddedKafka} and {@link KafkaProcess}. */
final class TopicAdmin {

    /** Broker settings a one-node cluster needs; see {@link EmbeddedKafka#DEFAULT_BROKER_PROPERTIES}. */
    static final Map<String, String> SINGLE_NODE = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0",
            // A fisher task's scores cover every unit of the model: ~0.4 MB for MiniLM, ~1.5 MB for BERT-base, and
            // tens of MB for a large model's task (issue 16 asks for a 20 MB result): 32 MiB, as k8s/ topics.
            "message.max.bytes", "33554432");

    static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private TopicAdmin() {
    }

    static void create(String bootstrapServers, String name, int partitions, boolean compacted) {
        create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), name, partitions, compacted);
    }

    /** Creates the topic with an admin client of these properties (bootstrap servers and security settings). */
    static void create(Map<String, Object> clientProperties, String name, int partitions, boolean compacted) {
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
        try (Admin admin = Admin.create(clientProperties)) {
            admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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

    /** Waits until the cluster answers a metadata request, or throws after the timeout. */
    static void awaitCluster(String bootstrapServers, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka at " + bootstrapServers, e);
        }
    }
}
