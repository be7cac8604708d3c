package dev.optinfleet.coordinator.storage;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The coordinator's local scratch directories (staged inputs, written outputs): deleted best-effort when done. */
public final class LocalDirs {
    private static final Logger LOG = Logger.getLogger(LocalDirs.class);

    private LocalDirs() {
    }

    /** Deletes {@code dir} and everything under it; null or missing is nothing to do; a failure is only logged. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", dir, e.getMessage());
        }
    }
}
