package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorLayout;
import dev.optinfleet.core.model.TensorNames;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Reads a Hugging Face checkpoint directory ({@code config.json} + {@code model.safetensors}) into a
 * {@link Checkpoint}. Weight names may carry the {@code bert.} prefix; tensors the layout does not use (MLM head,
 * {@code position_ids} buffers) are skipped without being decoded.
 *
 * <p>Order: the safetensors header is validated, then config.json is read (the tensor names decide the head and
 * default pooling), then only the expected tensors are decoded and {@link Checkpoint#of} checks each one's
 * presence and shape. Any failure throws before a checkpoint exists, so nothing is ever half-loaded.
 */
public final class HfCheckpointReader {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private HfCheckpointReader() {
    }

    /** Reads the directory; the checkpoint is named after the directory. */
    public static Checkpoint read(Path dir) {
        Path fileName = dir.toAbsolutePath().normalize().getFileName();
        return read(dir, fileName == null ? dir.toString() : fileName.toString());
    }

    /**
     * Reads the directory under the given checkpoint name.
     *
     * @throws CheckpointFormatException naming the file and the tensor or field at fault
     * @throws java.io.UncheckedIOException when a file cannot be read
     */
    public static Checkpoint read(Path dir, String name) {
        Path weights = dir.resolve(WEIGHTS_FILE);
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new CheckpointFormatException(weights.toString(), null, "missing: a checkpoint directory needs "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE);
        }
        SafetensorsReader.Header header = SafetensorsReader.readHeader(weights);
        Set<String> storedNames = header.entries().keySet();
        ModelConfig config = ConfigJson.read(configFile, storedNames);
        boolean pooler = storedNames.stream()
                .anyMatch(n -> TensorNames.canonical(n).equals(TensorNames.POOLER_WEIGHT));
        Set<String> expected = TensorLayout.expected(config, pooler).keySet();
        Map<String, FloatTensor> tensors = SafetensorsReader.read(weights,
                n -> expected.contains(TensorNames.canonical(n)));
        return Checkpoint.of(weights.toString(), name, config, tensors);
    }
}
