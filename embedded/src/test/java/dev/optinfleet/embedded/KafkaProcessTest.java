package dev.optinfleet.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaProcessTest {

    @TempDir
    static Path data;

    private static KafkaProcess kafka;

    @BeforeAll
    static void startBroker() {
        kafka = KafkaProcess.start(data);
        System.out.println("KafkaProcess started in " + kafka.startupTime().toMillis() + " ms at "
                + kafka.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void createsCompactedTopicOnTheStandaloneBroker() throws Exception {
        kafka.createTopic("job-status", 1, true);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "job-status");
            String policy = admin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS)
                    .get(topic).get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, policy);
        }
    }

    @Test
    void closeStopsTheBrokerAndARestartKeepsTopics() throws Exception {
        Path dir = data.resolve("restart");
        KafkaProcess first = KafkaProcess.start(dir);
        first.createTopic("kept", 2, false);
        ProcessHandle handle = ProcessHandle.of(first.pid()).orElseThrow();
        first.close();
        assertFalse(first.isRunning());
        await().atMost(Duration.ofSeconds(30)).until(() -> !handle.isAlive());

        try (KafkaProcess second = KafkaProcess.start(dir);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                     second.bootstrapServers()))) {
            assertEquals(first.bootstrapServers(), second.bootstrapServers());
            assertEquals(2, admin.describeTopics(List.of("kept")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("kept").partitions().size());
        }
    }
}
