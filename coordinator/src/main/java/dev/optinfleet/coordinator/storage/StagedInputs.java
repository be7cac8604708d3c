package dev.optinfleet.coordinator.storage;

import dev.optinfleet.storage.CachedObject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A job's inputs as local files under their expected names in one staging directory (links to pinned cache files):
 * the model directory for {@code CheckpointLoader}, the tokenizer.json and the calibration shards in request order.
 * {@link #close()} unpins the cache files and deletes the directory.
 *
 * @param modelDir  holds model.onnx, or config.json + model.safetensors
 * @param tokenizer the tokenizer.json
 * @param shards    calibration shards, in the order of the request's calibration_uris
 */
public record StagedInputs(Path modelDir, Path tokenizer, List<Path> shards, List<CachedObject> pinned)
        implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StagedInputs.class);

    public StagedInputs {
        shards = List.copyOf(shards);
        pinned = List.copyOf(pinned);
    }

    @Override
    public void close() {
        pinned.forEach(CachedObject::close);
        deleteTree(modelDir.getParent());
    }

    static void deleteTree(Path dir) {
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
