package dev.optinfleet.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the installation the CLI runs from. */
final class Launcher {
    private Launcher() {
    }

    /** The repository root (set by the ./optin launcher), where the applications' builds are. */
    static Path home() {
        String home = System.getProperty("optin.home", System.getenv("OPTIN_HOME"));
        Path p = Path.of(home != null ? home : ".").toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("coordinator")) || !Files.isDirectory(p.resolve("worker"))) {
            throw new IllegalStateException("cannot find the coordinator and worker builds under " + p
                    + "; run the CLI through ./optin at the repository root");
        }
        return p;
    }
}
