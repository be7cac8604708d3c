package dev.optinfleet.cli.fleet;

import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.QuarkusAppProcess;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The whole fleet on this machine, for real: an in-process KRaft broker, s3proxy as a child JVM, and the
 * coordinator and workers as child JVMs of their own production jars, configured to use them. Closing it stops
 * everything it started.
 */
public final class EmbeddedFleet implements AutoCloseable {
    /** Partitions of the task topic: how many workers can share one job. */
    public static final int TASK_PARTITIONS = 8;
    private static final Duration APP_START = Duration.ofMinutes(3);

    private final EmbeddedKafka kafka;
    private final S3ProxyServer s3;
    private final ObjectStore store;
    private final Path workDir;
    private final Path home;
    private QuarkusAppProcess coordinator;
    private final List<QuarkusAppProcess> workers = new ArrayList<>();

    private EmbeddedFleet(EmbeddedKafka kafka, S3ProxyServer s3, ObjectStore store, Path workDir, Path home) {
        this.kafka = kafka;
        this.s3 = s3;
        this.store = store;
        this.workDir = workDir;
        this.home = home;
    }

    /**
     * Starts the broker, the S3 server (data in {@code workDir/s3}), the coordinator and {@code workers} workers.
     *
     * @param home repository root holding coordinator/ and worker/ builds
     */
    public static EmbeddedFleet start(Path home, Path workDir, int workers, Consumer<String> log) {
        log.accept("starting Kafka (in-process KRaft broker)...");
        EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedFleet fleet = null;
        try {
            createTopics(kafka);
            log.accept("starting S3 server (s3proxy, child JVM)...");
            S3ProxyServer s3 = S3ProxyServer.start(workDir.resolve("s3"));
            ObjectStore store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(), s3.secretKey()));
            fleet = new EmbeddedFleet(kafka, s3, store, workDir, home);
            for (String bucket : List.of("models", "calibration", "pruned")) {
                store.ensureBucket(bucket);
            }
            log.accept("starting coordinator...");
            fleet.coordinator = fleet.startApp("coordinator", "coordinator");
            for (int i = 1; i <= workers; i++) {
                log.accept("starting worker-" + i + "...");
                fleet.startWorker("worker-" + i);
            }
            return fleet;
        } catch (RuntimeException e) {
            if (fleet != null) {
                fleet.close();
            } else {
                kafka.close();
            }
            throw e;
        }
    }

    private static void createTopics(EmbeddedKafka kafka) {
        kafka.createTopic(Topics.JOB_REQUESTS, 1, false);
        kafka.createTopic(Topics.SCORING_TASKS, TASK_PARTITIONS, false);
        kafka.createTopic(Topics.TASK_SCORES, 4, true);
        kafka.createTopic(Topics.JOB_STATUS, 1, true);
        kafka.createTopic(Topics.DEAD_LETTERS, 1, false);
        kafka.createTopic(Topics.CHECKPOINT_EVENTS, 1, false);
        kafka.createTopic(Topics.MODEL_REGISTRY, 1, true);
    }

    /** Starts one more worker (also used to replace one that was killed). */
    public QuarkusAppProcess startWorker(String name) {
        QuarkusAppProcess w = startApp(name, "worker");
        workers.add(w);
        return w;
    }

    /** Restarts the coordinator (after {@link QuarkusAppProcess#kill()} or a graceful stop). */
    public QuarkusAppProcess restartCoordinator() {
        coordinator.close();
        coordinator = startApp("coordinator", "coordinator");
        return coordinator;
    }

    private QuarkusAppProcess startApp(String name, String module) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        props.put("optin.s3.endpoint", s3.endpoint());
        props.put("optin.s3.access-key", s3.accessKey());
        props.put("optin.s3.secret-key", s3.secretKey());
        if (module.equals("worker")) {
            // A worker that dies is noticed within seconds, so its tasks move to the others quickly.
            props.put("mp.messaging.incoming.scoring-tasks.session.timeout.ms", "6000");
            props.put("mp.messaging.incoming.scoring-tasks.heartbeat.interval.ms", "2000");
            props.put("optin.worker.id", name);
            props.put("optin.worker.cache-dir", workDir.resolve(name + "-cache").toString());
        } else {
            props.put("optin.coordinator.work-dir", workDir.resolve(name + "-work").toString());
        }
        props.put("quarkus.log.level", "WARN");
        Path jar = home.resolve(module).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
        return QuarkusAppProcess.start(name, jar, props, workDir.resolve("logs"), APP_START);
    }

    public ObjectStore store() {
        return store;
    }

    public String coordinatorUrl() {
        return coordinator.baseUrl();
    }

    public QuarkusAppProcess coordinator() {
        return coordinator;
    }

    public List<QuarkusAppProcess> workers() {
        return List.copyOf(workers);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public Path logs() {
        return workDir.resolve("logs");
    }

    @Override
    public void close() {
        for (QuarkusAppProcess w : workers) {
            w.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
        store.close();
        s3.close();
        kafka.close();
    }
}
