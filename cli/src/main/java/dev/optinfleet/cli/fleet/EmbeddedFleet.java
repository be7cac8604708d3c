package dev.optinfleet.cli.fleet;

import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.FleetTokens;
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
 * The whole fleet on this machine, for real: the coordinator and workers as child JVMs of their own production
 * jars, over an in-process KRaft broker and s3proxy as a child JVM ({@link #start}), or over a broker and an S3
 * server that run elsewhere ({@link #over}: a standalone broker, containers). Closing it stops everything it
 * started.
 */
public final class EmbeddedFleet implements AutoCloseable {
    /** Partitions of the task topic: how many workers can share one job. */
    public static final int TASK_PARTITIONS = 8;
    private static final Duration APP_START = Duration.ofMinutes(3);

    /** Where the broker and the S3 server are. */
    public record Infrastructure(String bootstrapServers, String s3Endpoint, String s3AccessKey, String s3SecretKey) {
    }

    private final Infrastructure infra;
    private final List<AutoCloseable> owned;
    private final ObjectStore store;
    private final Path workDir;
    private final Path home;
    /** This fleet's own signing key: the coordinator trusts it alone, and {@link #client()} carries its token. */
    private final FleetTokens tokens = FleetTokens.generate();
    private final String token = tokens.issue("optin-cli", FleetTokens.ALL_ROLES);
    private QuarkusAppProcess coordinator;
    private final List<QuarkusAppProcess> workers = new ArrayList<>();
    /** PyTorch threads per worker: this machine's cores shared among the planned workers; 0: the engine's own. */
    private int engineThreads;

    private EmbeddedFleet(Infrastructure infra, List<AutoCloseable> owned, Path workDir, Path home) {
        this.infra = infra;
        this.owned = owned;
        this.store = new ObjectStore(StorageSettings.of(infra.s3Endpoint(), infra.s3AccessKey(),
                infra.s3SecretKey()));
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
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            EmbeddedKafka kafka = EmbeddedKafka.start();
            owned.add(kafka);
            createTopics(kafka::createTopic);
            log.accept("starting S3 server (s3proxy, child JVM)...");
            S3ProxyServer s3 = S3ProxyServer.start(workDir.resolve("s3"));
            owned.add(0, s3);
            return startApps(new Infrastructure(kafka.bootstrapServers(), s3.endpoint(), s3.accessKey(),
                    s3.secretKey()), owned, home, workDir, workers, log);
        } catch (RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    /**
     * Starts the coordinator and {@code workers} workers over a broker and an S3 server that this fleet does not
     * own; the caller has created the topics ({@link #createTopics}).
     */
    public static EmbeddedFleet over(Infrastructure infra, Path home, Path workDir, int workers,
                                     Consumer<String> log) {
        return startApps(infra, new ArrayList<>(), home, workDir, workers, log);
    }

    private static EmbeddedFleet startApps(Infrastructure infra, List<AutoCloseable> owned, Path home, Path workDir,
                                           int workers, Consumer<String> log) {
        EmbeddedFleet fleet = new EmbeddedFleet(infra, owned, workDir, home);
        // Every worker shares this machine: each PyTorch pool defaulting to all cores oversubscribes them, and the
        // pools' spinning threads then make N workers several times slower than one (measured: bench/fleet).
        fleet.engineThreads = Integer.getInteger("optin.fleet.engine-threads",
                Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workers)));
        try {
            for (String bucket : List.of("models", "calibration", "optin")) {
                fleet.store.ensureBucket(bucket);
            }
            log.accept("starting coordinator...");
            fleet.coordinator = fleet.startApp("coordinator", "coordinator");
            for (int i = 1; i <= workers; i++) {
                log.accept("starting worker-" + i + "...");
                fleet.startWorker("worker-" + i);
            }
            return fleet;
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /** Creates a topic: name, partitions, compacted. */
    @FunctionalInterface
    public interface TopicCreator {
        void create(String name, int partitions, boolean compacted);
    }

    /** Creates every topic of the fleet with the partition counts and policies it expects. */
    public static void createTopics(TopicCreator topics) {
        topics.create(Topics.JOB_REQUESTS, 1, false);
        topics.create(Topics.SCORING_TASKS, TASK_PARTITIONS, false);
        topics.create(Topics.TASK_SCORES, 4, true);
        topics.create(Topics.JOB_STATUS, 1, true);
        topics.create(Topics.DEAD_LETTERS, 1, false);
        topics.create(Topics.CHECKPOINT_EVENTS, 1, false);
        topics.create(Topics.MODEL_REGISTRY, 1, true);
        topics.create(Topics.PROCESSED_CHECKPOINTS, 1, true);
        topics.create(Topics.TASK_PROGRESS, 4, false);
    }

    /** Starts one more worker (also used to replace one that was killed). */
    public QuarkusAppProcess startWorker(String name) {
        QuarkusAppProcess w = startApp(name, "worker");
        workers.add(w);
        return w;
    }

    /**
     * Starts a worker of the same name (so the same cache directory, as a pod's container restarted by Kubernetes
     * keeps its {@code emptyDir}) in place of one that was killed or stopped.
     */
    public QuarkusAppProcess restartWorker(QuarkusAppProcess worker) {
        worker.close();
        workers.remove(worker);
        return startWorker(worker.name());
    }

    /** Restarts the coordinator (after {@link QuarkusAppProcess#kill()} or a graceful stop). */
    public QuarkusAppProcess restartCoordinator() {
        coordinator.close();
        coordinator = startApp("coordinator", "coordinator");
        return coordinator;
    }

    /**
     * Starts another coordinator process without waiting for it: while this fleet's coordinator holds the lease it
     * stands by (not ready). {@link #promote} makes it the one {@link #client()} talks to once it took over.
     */
    public QuarkusAppProcess launchStandbyCoordinator(String name) {
        return launchApp(name, "coordinator");
    }

    /** Waits until the standby is ready (it holds the lease and recovered) and makes it this fleet's coordinator. */
    public void promote(QuarkusAppProcess standby) {
        standby.awaitReady(APP_START);
        if (coordinator != null) {
            coordinator.close();
        }
        coordinator = standby;
    }

    private QuarkusAppProcess startApp(String name, String module) {
        QuarkusAppProcess app = launchApp(name, module);
        try {
            app.awaitReady(APP_START);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private QuarkusAppProcess launchApp(String name, String module) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("kafka.bootstrap.servers", infra.bootstrapServers());
        props.put("optin.s3.endpoint", infra.s3Endpoint());
        props.put("optin.s3.access-key", infra.s3AccessKey());
        props.put("optin.s3.secret-key", infra.s3SecretKey());
        if (module.equals("worker")) {
            // A worker that dies is noticed within seconds, so its tasks move to the others quickly.
            props.put("mp.messaging.incoming.scoring-tasks.session.timeout.ms", "6000");
            props.put("mp.messaging.incoming.scoring-tasks.heartbeat.interval.ms", "2000");
            props.put("optin.worker.id", name);
            // Several processes share this machine: each worker plans its passes from its own share, not from
            // the whole machine's memory (README: the demo's workers' peak resident memory).
            props.put("optin.heap", System.getProperty("optin.fleet.worker-heap", "768m"));
            props.put("optin.worker.memory", System.getProperty("optin.fleet.worker-memory", "2g"));
            props.put("optin.worker.cache-dir", workDir.resolve(name + "-cache").toString());
            // The fan-out benchmark's mode (bench FanoutBenchmark): tasks wait for the cost model's time, no engine.
            if (Boolean.getBoolean("optin.fleet.simulate-compute")) {
                props.put("optin.worker.simulate-compute", "true");
            }
            if (engineThreads > 0) {
                props.put("ai.djl.pytorch.num_threads", Integer.toString(engineThreads));
                props.put("ai.djl.pytorch.num_interop_threads", Integer.toString(engineThreads));
            }
        } else {
            props.put("optin.coordinator.work-dir", workDir.resolve(name + "-work").toString());
            // A standby coordinator takes over within seconds of the active one's end (the broker's least session).
            props.put("optin.coordinator.lease.session-timeout", "6s");
            props.putAll(tokens.verifierProperties());
        }
        props.put("quarkus.log.level", "WARN");
        Path jar = home.resolve(module).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
        return QuarkusAppProcess.launch(name, jar, props, workDir.resolve("logs"));
    }

    public ObjectStore store() {
        return store;
    }

    public String coordinatorUrl() {
        return coordinator.baseUrl();
    }

    /** The coordinator's API with a token of every role, signed by this fleet's key. */
    public CoordinatorClient client() {
        return new CoordinatorClient(coordinator.baseUrl(), token);
    }

    /** The bearer token {@link #client()} sends (for tests and tools that call the API themselves). */
    public String token() {
        return token;
    }

    public QuarkusAppProcess coordinator() {
        return coordinator;
    }

    public List<QuarkusAppProcess> workers() {
        return List.copyOf(workers);
    }

    public String bootstrapServers() {
        return infra.bootstrapServers();
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
        closeAll(owned);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                // Best effort: the rest must still be stopped.
                System.err.println("could not stop " + r + ": " + e.getMessage());
            }
        }
    }
}
