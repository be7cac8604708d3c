package dev.optinfleet.cli.fleet;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The fleet scenarios on containers, as production runs: Apache Kafka and MinIO, with the coordinator and workers
 * configured for them by properties only. Skipped cleanly on hosts without Docker.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerFleetTest extends FleetScenarios {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0")
            .withEnv("KAFKA_MESSAGE_MAX_BYTES", Integer.toString(32 << 20));
    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2025-09-07T16-13-09Z");

    @Override
    EmbeddedFleet startFleet(Path home, Path work) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                KAFKA.getBootstrapServers()))) {
            EmbeddedFleet.createTopics((name, partitions, compacted) -> {
                NewTopic topic = new NewTopic(name, partitions, (short) 1);
                if (compacted) {
                    topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                }
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException("cannot create topic " + name, e);
                }
            });
        }
        return EmbeddedFleet.over(new EmbeddedFleet.Infrastructure(KAFKA.getBootstrapServers(), MINIO.getS3URL(),
                MINIO.getUserName(), MINIO.getPassword()), home, work, 2, s -> { });
    }
}
