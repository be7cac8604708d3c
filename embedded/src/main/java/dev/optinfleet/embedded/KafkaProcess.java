package dev.optinfleet.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka (combined KRaft controller + broker) as a separate JVM, the way a deployment runs it:
 * {@code kafka.tools.StorageTool format --standalone}, then {@code kafka.Kafka server.properties}, on the classpath
 * of {@code kafka_2.13} that this module's build wrote down ({@code kafka-process.classpath}). Unlike
 * {@link EmbeddedKafka} it survives a restart of the caller's JVM when given the same data directory, and its logs
 * (SLF4J simple, INFO) go to {@code kafka.log} in the data directory rather than to the caller's console.
 *
 * <p>Thread-safe after start; {@link #close()} stops the process (SIGTERM for a controlled shutdown, SIGKILL after a
 * grace period). The data directory is kept: delete it to start from nothing.
 */
public final class KafkaProcess implements AutoCloseable {

    private static final String LOG_DIRS = "kraft-logs";

    private final ChildProcess process;
    private final Path dataDirectory;
    private final int port;
    private final Duration startupTime;

    private KafkaProcess(ChildProcess process, Path dataDirectory, int port, Duration startupTime) {
        this.process = process;
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.startupTime = startupTime;
    }

    /** Starts a broker on free ports that keeps its logs under {@code dataDirectory}. */
    public static KafkaProcess start(Path dataDirectory) {
        return start(dataDirectory, Map.of(), Duration.ofSeconds(90));
    }

    /**
     * Starts a broker with {@link EmbeddedKafka#DEFAULT_BROKER_PROPERTIES} overridden by {@code brokerProperties},
     * formatting the data directory first unless an earlier run did.
     *
     * @throws IllegalStateException when formatting or start-up fails or takes longer than {@code startupTimeout},
     *                               with the tail of the broker's log
     */
    public static KafkaProcess start(Path dataDirectory, Map<String, String> brokerProperties,
                                     Duration startupTimeout) {
        Objects.requireNonNull(brokerProperties, "brokerProperties");
        Path data = Objects.requireNonNull(dataDirectory, "dataDirectory").toAbsolutePath();
        long started = System.nanoTime();
        Path config = data.resolve("server.properties");
        // A restart keeps the ports: the controller's address is recorded in the metadata log at format time.
        int[] previous = previousPorts(config);
        int port = previous != null ? previous[0] : ChildProcess.freePort();
        int controllerPort = previous != null ? previous[1] : ChildProcess.freePort();
        String classpath = classpath();
        try {
            Files.createDirectories(data);
            writeConfiguration(config, data.resolve(LOG_DIRS), port, controllerPort, brokerProperties);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka data directory " + data, e);
        }

        if (!Files.exists(data.resolve(LOG_DIRS).resolve("meta.properties"))) {
            format(data, classpath, config, startupTimeout);
        }

        List<String> command = javaCommand(classpath);
        command.add("kafka.Kafka");
        command.add(config.toString());
        ChildProcess child = ChildProcess.start("kafka", command, data, data.resolve("kafka.log"));
        try {
            child.awaitReady(startupTimeout, () -> ChildProcess.accepts(port));
            TopicAdmin.awaitCluster("127.0.0.1:" + port, startupTimeout);
        } catch (RuntimeException e) {
            child.close();
            throw e;
        }
        return new KafkaProcess(child, data, port, Duration.ofNanos(System.nanoTime() - started));
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** From formatting the storage to the broker answering a metadata request. */
    public Duration startupTime() {
        return startupTime;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** As {@link EmbeddedKafka#createTopic}. */
    public void createTopic(String name, int partitions, boolean compacted) {
        TopicAdmin.create(bootstrapServers(), name, partitions, compacted);
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "KafkaProcess[" + bootstrapServers() + ", data=" + dataDirectory + ", pid=" + process.pid() + "]";
    }

    private static void format(Path data, String classpath, Path config, Duration timeout) {
        List<String> command = javaCommand(classpath);
        command.addAll(List.of("kafka.tools.StorageTool", "format", "--standalone",
                "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString()));
        Path log = data.resolve("format.log");
        ChildProcess formatter = ChildProcess.start("kafka-storage-format", command, data, log);
        try {
            int status = formatter.waitForExit(timeout);
            if (status != 0) {
                throw new IllegalStateException("kafka.tools.StorageTool format exited with " + status + "; log "
                        + log + ":\n" + formatter.logTail(40));
            }
        } finally {
            formatter.close();
        }
    }

    /** Broker and controller ports of an earlier run in this data directory, or null. */
    private static int[] previousPorts(Path config) {
        if (!Files.isRegularFile(config)) {
            return null;
        }
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the earlier broker configuration " + config, e);
        }
        String listeners = properties.getProperty("listeners", "");
        int broker = -1;
        int controller = -1;
        for (String listener : listeners.split(",")) {
            String name = listener.substring(0, Math.max(0, listener.indexOf(':')));
            int port = Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1).trim());
            if ("PLAINTEXT".equals(name.trim())) {
                broker = port;
            } else if ("CONTROLLER".equals(name.trim())) {
                controller = port;
            }
        }
        if (broker < 0 || controller < 0) {
            throw new IllegalStateException("cannot reuse " + config + ": listeners=" + listeners
                    + " lacks PLAINTEXT or CONTROLLER; delete the data directory to start afresh");
        }
        return new int[] {broker, controller};
    }

    private static List<String> javaCommand(String classpath) {
        return new ArrayList<>(List.of(
                BuildInfo.javaBinary().toString(),
                "-Xmx1g",
                "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", classpath));
    }

    private static String classpath() {
        BuildInfo info = BuildInfo.load();
        List<Path> entries = new ArrayList<>(info.kafkaClasspath());
        info.get("slf4j-simple.jar").map(Path::of).ifPresent(entries::add);
        List<Path> missing = entries.stream().filter(p -> !Files.isRegularFile(p)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the Kafka broker classpath names jars that are not there: " + missing
                    + "; run 'mvn install -pl embedded' on this machine to resolve them again");
        }
        return entries.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static void writeConfiguration(Path file, Path logDirs, int port, int controllerPort,
                                           Map<String, String> overrides) throws IOException {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("process.roles", "broker,controller");
        conf.put("node.id", "1");
        conf.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        conf.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        conf.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
                + controllerPort);
        conf.put("controller.listener.names", "CONTROLLER");
        conf.put("inter.broker.listener.name", "PLAINTEXT");
        conf.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        conf.put("log.dirs", logDirs.toString());
        conf.putAll(EmbeddedKafka.DEFAULT_BROKER_PROPERTIES);
        conf.putAll(overrides);
        Properties properties = new Properties();
        properties.putAll(conf);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, "written by " + KafkaProcess.class.getName());
        }
    }
}
