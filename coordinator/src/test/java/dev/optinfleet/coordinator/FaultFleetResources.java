package dev.optinfleet.coordinator;

import dev.optinfleet.embedded.FleetTokens;
import dev.optinfleet.embedded.KafkaProcess;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The fleet of {@link CoordFleetResources} (same topics, same uploaded MiniLM and shard at the same URIs, so
 * {@link TestWorker} and {@link Api} work unchanged) with servers a fault-injection test can stop and start again
 * on the same ports: the broker is a real Kafka process ({@link KafkaProcess}, its logs kept across a restart) and
 * the S3 server an s3proxy process ({@link S3ProxyServer#startAgain()}, its buckets kept). The coordinator runs
 * with its production storage retry (deadline 5 minutes) but waits at most 2 s between attempts, so that a test
 * sees it recover within seconds of the server's return.
 */
public class FaultFleetResources implements QuarkusTestResourceLifecycleManager {
    private static final Duration BROKER_STARTUP = Duration.ofSeconds(90);

    private static Path work;
    private static KafkaProcess kafka;
    private static S3ProxyServer s3;

    @Override
    public Map<String, String> start() {
        try {
            work = Files.createTempDirectory("optin-fault-test");
            kafka = KafkaProcess.start(work.resolve("kafka"), Map.of(), BROKER_STARTUP);
            kafka.createTopic(Topics.JOB_REQUESTS, 1, false);
            kafka.createTopic(Topics.SCORING_TASKS, CoordFleetResources.TASK_PARTITIONS, false);
            kafka.createTopic(Topics.TASK_SCORES, 2, true);
            kafka.createTopic(Topics.JOB_STATUS, 1, true);
            kafka.createTopic(Topics.DEAD_LETTERS, 1, false);
            kafka.createTopic(Topics.CHECKPOINT_EVENTS, 1, false);
            kafka.createTopic(Topics.MODEL_REGISTRY, 1, true);
            kafka.createTopic(Topics.PROCESSED_CHECKPOINTS, 1, true);
            kafka.createTopic(Topics.TASK_PROGRESS, 1, false);
            s3 = S3ProxyServer.start(work.resolve("s3"));
            try (ObjectStore store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(),
                    s3.secretKey()))) {
                store.ensureBucket(CoordFleetResources.BUCKET);
                store.putFile(CoordFleetResources.MODEL, CoordFleetResources.localModel());
                store.putFile(CoordFleetResources.TOKENIZER, CoordFleetResources.localTokenizer());
                store.putFile(CoordFleetResources.SHARD, CoordFleetResources.localShard());
            }
            FleetTokens tokens = FleetTokens.generate();
            Map<String, String> props = new HashMap<>(tokens.verifierProperties());
            props.put(CoordFleetResources.tokenKey("admin"), tokens.issue("test-admin", FleetTokens.ALL_ROLES));
            props.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            props.put("optin.s3.endpoint", s3.endpoint());
            props.put("optin.s3.access-key", s3.accessKey());
            props.put("optin.s3.secret-key", s3.secretKey());
            props.put("optin.s3.retry.max-backoff", "2s");
            props.put("optin.coordinator.id", "fault-coordinator");
            props.put("optin.coordinator.work-dir", work.resolve("coordinator").toString());
            props.put("optin.coordinator.output-prefix", CoordFleetResources.OUTPUT_PREFIX);
            props.put("optin.coordinator.progress-interval", "100ms");
            props.put("optin.security.model-owners.\"" + CoordFleetResources.OWNED_MODEL + "\"",
                    CoordFleetResources.OWNER);
            props.put("optin.events.policy", CoordFleetResources.POLICY);
            props.put("optin.registry.index-uri", "s3://" + CoordFleetResources.BUCKET + "/registry/index.json");
            return props;
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Where the test's own clients reach the broker (the same address before and after a restart). */
    static synchronized String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Stops the S3 server (SIGTERM, then SIGKILL); clients get connection refused until {@link #startS3()}. */
    static synchronized void stopS3() {
        s3.close();
    }

    /** Starts the S3 server again on its port with its buckets. */
    static synchronized void startS3() {
        s3 = s3.startAgain();
    }

    static synchronized boolean s3Running() {
        return s3.isRunning();
    }

    /** Stops the broker process; its logs stay for {@link #startBroker()}. */
    static synchronized void stopBroker() {
        kafka.close();
    }

    /** Starts the broker again on the same ports from the same logs, and waits until it answers. */
    static synchronized void startBroker() {
        kafka = KafkaProcess.start(work.resolve("kafka"), Map.of(), BROKER_STARTUP);
    }

    @Override
    public synchronized void stop() {
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (work != null) {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
            work = null;
        }
    }
}
