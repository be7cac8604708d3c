package dev.optinfleet.coordinator.storage;

import dev.optinfleet.storage.StagingDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A job's inputs as local files under their expected names in one {@link StagingDir} (links to pinned cache files):
 * the model directory for {@code CheckpointLoader}, the tokenizer.json and the calibration shards in request order.
 * {@link #close()} unpins the cache files and deletes the directory.
 *
 * @param modelDir  holds model.onnx, or config.json + model.safetensors
 * @param tokenizer the tokenizer.json
 * @param shards    calibration shards, in the order of the request's calibration_uris
 * @param staging   the directory that holds them
 * @param etags     object URI -> ETag of every staged object: the versions these files are
 */
public record StagedInputs(Path modelDir, Path tokenizer, List<Path> shards, StagingDir staging,
                           Map<String, String> etags) implements AutoCloseable {
    public StagedInputs {
        shards = List.copyOf(shards);
        etags = Map.copyOf(etags);
    }

    @Override
    public void close() {
        staging.close();
    }
}
