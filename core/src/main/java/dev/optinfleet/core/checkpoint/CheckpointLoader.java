package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.checkpoint.onnx.OnnxImporter;
import dev.optinfleet.core.model.ModelConfig;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One entry point for every checkpoint form the project reads:
 * <ul>
 *   <li>a directory with {@code config.json} + {@code model.safetensors}: {@link HfCheckpointReader};</li>
 *   <li>a directory with {@code model.onnx} and no safetensors (the object-storage layout for ONNX models), or
 *       an {@code .onnx} file: {@link OnnxImporter};</li>
 *   <li>a {@code model.safetensors} file next to a {@code config.json}: its directory.</li>
 * </ul>
 * Anything else is a {@link CheckpointFormatException} that says what was found and what is accepted.
 */
public final class CheckpointLoader {
    public static final String ONNX_FILE = "model.onnx";

    private CheckpointLoader() {
    }

    /**
     * Loads the checkpoint at {@code path}.
     *
     * @throws CheckpointFormatException    when the path is not a checkpoint or a file in it is malformed
     * @throws UncheckedIOException          when the path does not exist or cannot be read
     */
    public static Checkpoint load(Path path) {
        if (!Files.exists(path)) {
            throw new UncheckedIOException("no checkpoint at " + path, new NoSuchFileException(path.toString()));
        }
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(HfCheckpointReader.WEIGHTS_FILE))) {
                return HfCheckpointReader.read(path);
            }
            if (Files.isRegularFile(path.resolve(ONNX_FILE))) {
                Path name = path.toAbsolutePath().normalize().getFileName();
                return OnnxImporter.read(path.resolve(ONNX_FILE)).named(name == null ? ONNX_FILE : name.toString());
            }
            throw new CheckpointFormatException(path.toString(), null, "directory holds neither "
                    + HfCheckpointReader.CONFIG_FILE + " + " + HfCheckpointReader.WEIGHTS_FILE + " nor " + ONNX_FILE);
        }
        String fileName = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (fileName.endsWith(".onnx")) {
            return OnnxImporter.read(path);
        }
        if (fileName.endsWith(".safetensors")) {
            Path dir = path.toAbsolutePath().getParent();
            if (fileName.equals(HfCheckpointReader.WEIGHTS_FILE)
                    && Files.isRegularFile(dir.resolve(HfCheckpointReader.CONFIG_FILE))) {
                return HfCheckpointReader.read(dir);
            }
            throw new CheckpointFormatException(path.toString(), null, "a safetensors file alone is not a"
                    + " checkpoint; pass a directory holding " + HfCheckpointReader.CONFIG_FILE + " and "
                    + HfCheckpointReader.WEIGHTS_FILE);
        }
        throw new CheckpointFormatException(path.toString(), null, "is not a checkpoint: expected a directory with "
                + HfCheckpointReader.CONFIG_FILE + " + " + HfCheckpointReader.WEIGHTS_FILE + " (or " + ONNX_FILE
                + "), or an .onnx file");
    }

    /**
     * The architecture of the checkpoint at {@code path}, as {@link #load} would give it, reading only config.json
     * and the safetensors header of a safetensors checkpoint (no weight is read; memory does not grow with the
     * model). An ONNX model holds its config in its graph and is imported whole.
     *
     * @throws CheckpointFormatException when the path is not a checkpoint or a file in it is malformed
     * @throws UncheckedIOException      when the path does not exist or cannot be read
     */
    public static ModelConfig config(Path path) {
        Path dir = safetensorsDir(path);
        return dir != null ? CheckpointHeader.read(dir).config() : load(path).config();
    }

    /** The directory a safetensors checkpoint at {@code path} lives in, or null when it is not one. */
    public static Path safetensorsDir(Path path) {
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(HfCheckpointReader.WEIGHTS_FILE))) {
            return path;
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().equals(HfCheckpointReader.WEIGHTS_FILE)) {
            Path dir = path.toAbsolutePath().getParent();
            if (Files.isRegularFile(dir.resolve(HfCheckpointReader.CONFIG_FILE))) {
                return dir;
            }
        }
        return null;
    }
}
