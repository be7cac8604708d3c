package dev.optinfleet.cli.fleet;

import dev.optinfleet.embedded.ParentWatchAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The embedded fleet's child JVMs must not outlive a parent that was killed outright (no shutdown hook runs then):
 * here in the cli module, where the embedded module is a jar and so can be the agent.
 */
class ParentWatchAgentTest {

    @Test
    void aChildJvmExitsWhenTheProcessItWatchesIsKilled(@TempDir Path dir) throws Exception {
        Process owner = new ProcessBuilder("sleep", "600").start();
        Process child = null;
        try {
            List<String> agent = ParentWatchAgent.jvmOptions(owner.pid());
            assumeFalse(agent.isEmpty(), "the embedded module is not a jar on this classpath (an IDE run)");
            Path source = dir.resolve("Forever.java");
            Files.writeString(source, """
                    public class Forever {
                        public static void main(String[] args) throws Exception {
                            System.out.println("started");
                            Thread.sleep(600_000);
                        }
                    }
                    """);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(agent);
            command.add(source.toString());
            Path log = dir.resolve("child.log");
            child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("started")) {
                assertTrue(child.isAlive(), "the child exited before it started: " + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "the child did not start: " + Files.readString(log));
                child.waitFor(100, TimeUnit.MILLISECONDS);
            }
            assertFalse(child.waitFor(1, TimeUnit.SECONDS), "the child lives while its owner does");

            owner.destroyForcibly().waitFor();

            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child exits once its owner is killed");
            assertEquals(3, child.exitValue());
            assertTrue(Files.readString(log).contains("process " + owner.pid()), Files.readString(log));
        } finally {
            owner.destroyForcibly();
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }
}
