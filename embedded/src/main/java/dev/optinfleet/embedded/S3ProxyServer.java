package dev.optinfleet.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * A real S3-compatible server for the local demo and integration tests: <a href="https://github.com/gaul/s3proxy">
 * s3proxy</a> with its filesystem backend, run as a child JVM on a free loopback port, with AWS v2/v4 authentication
 * against the given credentials. Buckets are directories of {@link #dataDirectory()}, so data survives a restart
 * when the same directory is given again.
 *
 * <p>Why a child JVM: the s3proxy jar bundles its own Jetty, jclouds, Guava and Jackson, which would clash with ours
 * on one classpath. Where the jar comes from, first existing wins: the system property {@value #JAR_PROPERTY}, the
 * environment variable {@value #JAR_ENV}, {@link Builder#jar(Path)}, then the local Maven repository path that this
 * module's build resolved it into ({@code mvn install} fetches it), then the copy under {@code embedded/target}.
 *
 * <p>Known differences from AWS S3 and MinIO: no bucket notifications; user-metadata keys come back capitalised
 * ({@code X-Amz-Meta-Foo}), so compare them case-insensitively.
 *
 * <p>Thread-safe after start; {@link #close()} stops the process (SIGTERM, then SIGKILL after a grace period) and
 * deletes its work directory (configuration and log), never the data directory; {@link #startAgain()} then brings
 * the same server back on the same port, for tests of storage outages.
 */
public final class S3ProxyServer implements AutoCloseable {

    /** System property naming an s3proxy jar-with-dependencies to use instead of the one the build resolved. */
    public static final String JAR_PROPERTY = "optin.s3proxy.jar";
    /** Environment variable naming an s3proxy jar-with-dependencies to use instead of the one the build resolved. */
    public static final String JAR_ENV = "OPTIN_S3PROXY_JAR";
    public static final String DEFAULT_ACCESS_KEY = "optin-local";
    public static final String DEFAULT_SECRET_KEY = "optin-local-secret";
    /** s3proxy ignores regions with the filesystem backend; clients sign with this one. */
    public static final String REGION = "us-east-1";

    private static final int PORT_ATTEMPTS = 3;
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private final ChildProcess process;
    private final Path workDirectory;
    private final Path dataDirectory;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private final Duration startupTime;

    private S3ProxyServer(ChildProcess process, Path workDirectory, Path dataDirectory, int port, String accessKey,
                          String secretKey, Duration startupTime) {
        this.process = process;
        this.workDirectory = workDirectory;
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.startupTime = startupTime;
    }

    /** Starts a server on a free port with the default credentials, keeping buckets under {@code dataDirectory}. */
    public static S3ProxyServer start(Path dataDirectory) {
        return builder(dataDirectory).start();
    }

    public static Builder builder(Path dataDirectory) {
        return new Builder(dataDirectory);
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public String region() {
        return REGION;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** From launching the child JVM to its first S3 answer. */
    public Duration startupTime() {
        return startupTime;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** The process id of the child JVM, for diagnostics. */
    public long pid() {
        return process.pid();
    }

    /**
     * Starts a new server on this one's port, data directory and credentials, after this one was {@link #close()}d:
     * what clients see as the same S3 server coming back after an outage (fault-injection tests).
     *
     * @throws IllegalStateException when this server still runs, or the new one does not start
     */
    public S3ProxyServer startAgain() {
        if (process.isAlive()) {
            throw new IllegalStateException("close " + this + " before starting it again");
        }
        return builder(dataDirectory).credentials(accessKey, secretKey).port(port).start();
    }

    @Override
    public void close() {
        try {
            process.close();
        } finally {
            ChildProcess.deleteRecursively(workDirectory);
        }
    }

    @Override
    public String toString() {
        return "S3ProxyServer[" + endpoint() + ", data=" + dataDirectory + ", pid=" + process.pid() + "]";
    }

    /** Whether the port answers like an S3 server (any status, with an S3 request id). */
    private static boolean answersS3(int port) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            HttpResponse<Void> response = PROBE.send(request, HttpResponse.BodyHandlers.discarding());
            return response.headers().firstValue("x-amz-request-id").isPresent();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for s3proxy", e);
        }
    }

    /** Settings of one server; {@link #start()} launches it and waits until it answers. */
    public static final class Builder {
        private final Path dataDirectory;
        private String accessKey = DEFAULT_ACCESS_KEY;
        private String secretKey = DEFAULT_SECRET_KEY;
        private int port;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Path jar;

        private Builder(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory").toAbsolutePath();
        }

        public Builder credentials(String accessKey, String secretKey) {
            if (accessKey == null || accessKey.isBlank()) {
                throw new IllegalArgumentException("accessKey must not be blank, was '" + accessKey + "'");
            }
            if (secretKey == null || secretKey.length() < 8) {
                throw new IllegalArgumentException("secretKey must have at least 8 characters");
            }
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            return this;
        }

        /** A fixed port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
            }
            this.port = port;
            return this;
        }

        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive, was " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** An s3proxy jar-with-dependencies to use; the system property and environment variable still win. */
        public Builder jar(Path jar) {
            this.jar = jar;
            return this;
        }

        public S3ProxyServer start() {
            Path resolvedJar = resolveJar();
            try {
                Files.createDirectories(dataDirectory);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the s3proxy data directory " + dataDirectory, e);
            }
            // With a picked port another process may take it between our probe and s3proxy's bind: try again.
            int attempts = port == 0 ? PORT_ATTEMPTS : 1;
            IllegalStateException last = null;
            for (int attempt = 0; attempt < attempts; attempt++) {
                int chosen = port == 0 ? ChildProcess.freePort() : port;
                try {
                    return launch(resolvedJar, chosen);
                } catch (IllegalStateException e) {
                    last = e;
                }
            }
            throw last;
        }

        private S3ProxyServer launch(Path resolvedJar, int chosenPort) {
            Path work;
            try {
                work = Files.createTempDirectory("optin-s3proxy-");
                writeConfiguration(work.resolve("s3proxy.conf"), chosenPort);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the s3proxy configuration", e);
            }
            List<String> command = new ArrayList<>(List.of(
                    BuildInfo.javaBinary().toString(),
                    "-Xmx512m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-DLOG_LEVEL=warn",
                    "-DJETTY_LOG_LEVEL=warn",
                    "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
                    "-jar", resolvedJar.toString(),
                    "--properties", work.resolve("s3proxy.conf").toString()));
            long started = System.nanoTime();
            ChildProcess child = ChildProcess.start("s3proxy", command, work, work.resolve("s3proxy.log"));
            try {
                child.awaitReady(startupTimeout, () -> answersS3(chosenPort));
            } catch (RuntimeException e) {
                child.close();
                ChildProcess.deleteRecursively(work);
                throw e;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            return new S3ProxyServer(child, work, dataDirectory, chosenPort, accessKey, secretKey, took);
        }

        private void writeConfiguration(Path file, int chosenPort) throws IOException {
            Properties conf = new Properties();
            conf.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + chosenPort);
            conf.setProperty("s3proxy.authorization", "aws-v2-or-v4");
            conf.setProperty("s3proxy.identity", accessKey);
            conf.setProperty("s3proxy.credential", secretKey);
            conf.setProperty("jclouds.provider", "filesystem");
            conf.setProperty("jclouds.identity", accessKey);
            conf.setProperty("jclouds.credential", secretKey);
            conf.setProperty("jclouds.filesystem.basedir", dataDirectory.toString());
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                conf.store(out, "written by " + S3ProxyServer.class.getName());
            }
        }

        private Path resolveJar() {
            List<Path> candidates = new ArrayList<>();
            String property = System.getProperty(JAR_PROPERTY);
            if (property != null && !property.isBlank()) {
                candidates.add(Path.of(property));
            }
            String env = System.getenv(JAR_ENV);
            if (env != null && !env.isBlank()) {
                candidates.add(Path.of(env));
            }
            if (jar != null) {
                candidates.add(jar);
            }
            BuildInfo info = BuildInfo.load();
            info.get("s3proxy.jar").map(Path::of).ifPresent(candidates::add);
            info.get("s3proxy.jar.build-copy").map(Path::of).ifPresent(candidates::add);
            String version = info.get("s3proxy.version").orElse("4.1.0");
            candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "gaul", "s3proxy",
                    version, "s3proxy-" + version + "-jar-with-dependencies.jar"));
            return BuildInfo.firstExisting("the s3proxy jar", candidates,
                    "Run 'mvn install -pl embedded' (it resolves org.gaul:s3proxy:" + version
                            + ":jar:jar-with-dependencies), or set -D" + JAR_PROPERTY + " / " + JAR_ENV + ".");
        }
    }
}
