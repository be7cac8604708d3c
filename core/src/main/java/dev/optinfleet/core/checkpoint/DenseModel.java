package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.ModelConfig;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The dense model a job's finishing step works from: either known by its headers only ({@link CheckpointHeader},
 * a safetensors checkpoint on disk, whose weights are read only by whoever needs them, and then in pieces), or
 * already on the heap ({@link Checkpoint}: an ONNX model, which is imported whole, or the local pruner's model).
 * Its name, architecture and weights digest are the same either way.
 *
 * <p>The digest of a header-only model reads the whole file once (in pieces) and is remembered.
 */
public final class DenseModel {
    private final Checkpoint loaded;
    private final CheckpointHeader header;
    private String sha256;

    private DenseModel(Checkpoint loaded, CheckpointHeader header) {
        this.loaded = loaded;
        this.header = header;
    }

    public static DenseModel of(Checkpoint checkpoint) {
        return new DenseModel(Objects.requireNonNull(checkpoint, "checkpoint"), null);
    }

    public static DenseModel of(CheckpointHeader header) {
        return new DenseModel(null, Objects.requireNonNull(header, "header"));
    }

    /**
     * The checkpoint at {@code path} under {@code name}: its headers when it is a safetensors checkpoint, else the
     * model imported whole ({@link CheckpointLoader#load}).
     */
    public static DenseModel open(Path path, String name) {
        Path dir = CheckpointLoader.safetensorsDir(path);
        return dir != null ? of(CheckpointHeader.read(dir, name)) : of(CheckpointLoader.load(path).named(name));
    }

    public String name() {
        return loaded != null ? loaded.name() : header.name();
    }

    public ModelConfig config() {
        return loaded != null ? loaded.config() : header.config();
    }

    public boolean hasPooler() {
        return loaded != null ? loaded.hasPooler() : header.hasPooler();
    }

    /** As {@link Checkpoint#weightsSha256()}. */
    public synchronized String weightsSha256() {
        if (sha256 == null) {
            sha256 = loaded != null ? loaded.weightsSha256() : header.weightsSha256();
        }
        return sha256;
    }

    /** The headers, when the weights are on disk and not loaded. */
    public Optional<CheckpointHeader> header() {
        return Optional.ofNullable(header);
    }

    /** Every weight on the heap: the model itself, or loaded from its file now (the model's size in memory). */
    public Checkpoint checkpoint() {
        return loaded != null ? loaded : header.load();
    }
}
