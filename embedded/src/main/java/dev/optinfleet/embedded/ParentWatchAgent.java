package dev.optinfleet.embedded;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;

/**
 * A Java agent for the child JVMs of {@link ChildProcess}: exits the child when the process that started it is
 * gone. A parent that is killed (SIGKILL, an OOM kill, a cancelled CI job) runs no shutdown hook, and its Kafka
 * broker, S3 server, coordinator and workers would otherwise live on holding gigabytes and ports.
 *
 * <p>Started as {@code -javaagent:optin-embedded.jar=<pid>}; the manifest names this class as Premain-Class.
 */
public final class ParentWatchAgent {
    private ParentWatchAgent() {
    }

    public static void premain(String args) {
        long pid;
        try {
            pid = Long.parseLong(args == null ? "" : args.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ParentWatchAgent needs the pid to watch as its argument, got '"
                    + args + "'", e);
        }
        ProcessHandle.of(pid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> exit(pid)),
                () -> exit(pid));
    }

    private static void exit(long pid) {
        System.err.println("optin: process " + pid + " that started this one is gone; exiting");
        // Shutdown hooks still run: Quarkus and the broker close cleanly when they can.
        System.exit(3);
    }

    /** The JVM options that make a child of this process exit when this process is gone; see below. */
    static List<String> jvmOptions() {
        return jvmOptions(ProcessHandle.current().pid());
    }

    /**
     * The JVM options that make a JVM exit once process {@code pid} is gone, when this class was loaded from a jar
     * (an agent must be one); none when it runs from a classes directory, e.g. inside an IDE.
     */
    public static List<String> jvmOptions(long pid) {
        try {
            CodeSource source = ParentWatchAgent.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return List.of();
            }
            Path jar = Path.of(source.getLocation().toURI());
            if (!Files.isRegularFile(jar)) {
                return List.of();
            }
            return List.of("-javaagent:" + jar.toAbsolutePath() + "=" + pid);
        } catch (URISyntaxException | IllegalArgumentException e) {
            return List.of();
        }
    }
}
