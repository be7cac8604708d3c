package dev.optinfleet.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A fresh local directory holding cached objects under the names a loader expects ({@code model.onnx},
 * {@code config.json}, {@code tokenizer.json}, ...): each a symbolic link to its {@link CachedObject}'s file (a copy
 * where links are refused), the object pinned in the cache until {@link #close()}, which unpins every one and deletes
 * the directory. How the coordinator stages a job's inputs and the worker a model to load. Not thread-safe: one
 * owner stages and closes.
 */
public final class StagingDir implements AutoCloseable {
    private final Path path;
    private final List<CachedObject> pinned = new ArrayList<>();

    private StagingDir(Path path) {
        this.path = path;
    }

    /**
     * Creates {@code <root>/<prefix>-<random UUID>}, so that concurrent stagings of the same job or model never
     * share a directory.
     */
    public static StagingDir create(Path root, String prefix) throws IOException {
        Path dir = root.resolve(prefix + "-" + UUID.randomUUID());
        Files.createDirectories(dir);
        return new StagingDir(dir);
    }

    public Path path() {
        return path;
    }

    /**
     * Places the cached object at {@code relativeName} under this directory (creating the parents) and keeps it
     * pinned until {@link #close()}; the object is pinned here even when linking fails, so close still releases it.
     *
     * @return the staged path
     */
    public Path link(CachedObject cached, String relativeName) throws IOException {
        pinned.add(cached);
        Path target = path.resolve(relativeName);
        Files.createDirectories(target.getParent());
        try {
            Files.createSymbolicLink(target, cached.path());
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(cached.path(), target);
        }
        return target;
    }

    /** Unpins every staged object and deletes the directory (best effort, see {@link LocalDirs#deleteTree}). */
    @Override
    public void close() {
        pinned.forEach(CachedObject::close);
        pinned.clear();
        LocalDirs.deleteTree(path);
    }
}
