package dev.optinfleet.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A child JVM whose output goes to a log file, that is stopped on {@link #close()} and, as a safety net, when this
 * JVM exits; if this JVM is killed outright, the child's {@link ParentWatchAgent} stops it. Shared by
 * {@link S3ProxyServer}, {@link KafkaProcess} and {@link QuarkusAppProcess}.
 */
final class ChildProcess implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread shutdownHook;

    private ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.shutdownHook = new Thread(process::destroyForcibly, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code command}, a {@code java} command line; the child exits by itself when this JVM is gone. */
    static ChildProcess start(String name, List<String> command, Path workDirectory, Path logFile) {
        List<String> full = new ArrayList<>(command.subList(0, 1));
        full.addAll(ParentWatchAgent.jvmOptions());
        full.addAll(command.subList(1, command.size()));
        ProcessBuilder builder = new ProcessBuilder(full)
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        // glibc gives every thread that allocates its own arena; PyTorch's and Kafka's threads in a handful of child
        // JVMs on one machine then hold gigabytes they no longer use. Two arenas are plenty for these processes.
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        try {
            return new ChildProcess(name, builder.start(), logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /**
     * Polls {@code ready} until it answers true, the process exits or the timeout passes; the pause between polls is
     * a wait on the process itself, so an early exit is seen at once.
     *
     * @throws IllegalStateException when the process exited or the deadline passed, with the tail of its log
     */
    void awaitReady(Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " before it was ready; log " + logFile + ":\n" + logTail(40));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + " was not ready within " + timeout + "; log " + logFile
                        + ":\n" + logTail(40));
            }
            try {
                process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
    }

    /**
     * Waits for the process to exit and returns its status.
     *
     * @throws IllegalStateException when it is still running after the timeout, with the tail of its log
     */
    int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " did not finish within " + timeout + "; log " + logFile
                        + ":\n" + logTail(40));
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Kills the process at once (SIGKILL), as a crash would: nothing is flushed or committed. */
    void kill() {
        try {
            process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the process to stop (SIGTERM), then kills it if it has not exited within the grace period. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook runs anyway and finds the process gone
            }
        }
    }

    /** A port that was free a moment ago on the loopback interface. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /** Whether something accepts TCP connections on the loopback port. */
    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
