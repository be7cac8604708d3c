package dev.optinfleet.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Local scratch directories (staged inputs, written outputs): deleted best-effort when done. */
public final class LocalDirs {
    private static final Logger LOG = LoggerFactory.getLogger(LocalDirs.class);

    private LocalDirs() {
    }

    /**
     * Deletes {@code dir} and everything under it (links, not what they point to); null or missing is nothing to
     * do; a failure is only logged: a leftover scratch directory costs disk, not correctness.
     */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
