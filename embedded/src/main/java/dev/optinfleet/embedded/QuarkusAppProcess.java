package dev.optinfleet.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One of our Quarkus applications (coordinator or worker) started from its built fast-jar
 * ({@code target/quarkus-app/quarkus-run.jar}) as a child JVM on a free HTTP port, configured by system properties:
 * the same binary that runs in production, here pointed at the local broker and S3 server. Ready when
 * {@code /q/health/ready} answers 200.
 *
 * <p>{@link #kill()} stops it like a crash (no graceful shutdown, no offset commit); {@link #close()} stops it
 * gracefully.
 */
public final class QuarkusAppProcess implements AutoCloseable {
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private final String name;
    private final ChildProcess process;
    private final int port;
    private final Path logFile;

    private QuarkusAppProcess(String name, ChildProcess process, int port, Path logFile) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /**
     * Starts an application and waits until it is ready.
     *
     * @param name       for logs and messages, e.g. "worker-1"
     * @param appJar     the application's quarkus-run.jar
     * @param properties system properties (-Dkey=value) configuring it
     * @param workDir    its working directory; its log goes to {@code workDir/<name>.log}
     * @param timeout    how long it may take to become ready
     */
    public static QuarkusAppProcess start(String name, Path appJar, Map<String, String> properties, Path workDir,
                                          Duration timeout) {
        QuarkusAppProcess app = launch(name, appJar, properties, workDir);
        try {
            app.awaitReady(timeout);
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * Starts an application without waiting for it to be ready (one that may stand by, such as a second
     * coordinator waiting for the lease); see {@link #start} for the parameters.
     */
    public static QuarkusAppProcess launch(String name, Path appJar, Map<String, String> properties, Path workDir) {
        Objects.requireNonNull(appJar, "appJar");
        if (!Files.isRegularFile(appJar)) {
            throw new IllegalStateException("application " + name + " is not built: " + appJar + " is missing; run"
                    + " mvn install -DskipTests");
        }
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + workDir, e);
        }
        int port = ChildProcess.freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The weights live in Java arrays once and in the engine's native memory; a small heap leaves the machine's
        // memory to the engine and to the other processes of an embedded fleet.
        command.add("-Xmx" + properties.getOrDefault("optin.heap", "1536m"));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Doffline=true");
        properties.forEach((k, v) -> {
            if (!k.equals("optin.heap")) {
                command.add("-D" + k + "=" + v);
            }
        });
        command.add("-jar");
        command.add(appJar.toAbsolutePath().toString());
        Path log = workDir.resolve(name + ".log");
        ChildProcess child = ChildProcess.start(name, command, workDir, log);
        return new QuarkusAppProcess(name, child, port, log);
    }

    /** Waits until {@code /q/health/ready} answers 200; fails naming the log when it exits or times out first. */
    public void awaitReady(Duration timeout) {
        process.awaitReady(timeout, this::ready);
    }

    /** Whether {@code /q/health/ready} answers 200 now. */
    public boolean isReady() {
        return ready();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Stops it at once, like a crash. */
    public void kill() {
        process.kill();
    }

    private boolean ready() {
        try {
            HttpResponse<Void> r = PROBE.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
