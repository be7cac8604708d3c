package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.io.AtomicFiles;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.TensorNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a {@link Checkpoint} as a Hugging Face directory: {@code model.safetensors} (F32), {@code config.json}
 * ({@link ConfigJson}) and, when given, a copy of {@code tokenizer.json}. {@link HfCheckpointReader} reads it
 * back to identical tensors and an equal {@code ModelConfig}.
 *
 * <p>Names follow {@code save_pretrained}: a model with a classifier is a {@code BertForSequenceClassification},
 * whose encoder and pooler tensors carry the {@code bert.} prefix; without one they are unprefixed. Each file is
 * written atomically; the weights go first and config.json last, so a directory with a config.json written by
 * this class has complete weights.
 */
public final class CheckpointWriter {
    /** safetensors metadata Hugging Face's loader expects ({@code format: pt}). */
    public static final Map<String, String> METADATA = Map.of("format", "pt");

    private CheckpointWriter() {
    }

    /** Writes the checkpoint without a tokenizer. */
    public static void write(Checkpoint checkpoint, Path dir) {
        write(checkpoint, dir, null);
    }

    /**
     * Writes the checkpoint into {@code dir} (created if needed; files of the same names are replaced).
     *
     * @param tokenizerJson a tokenizer.json to copy alongside, or null
     * @throws UncheckedIOException when a file cannot be written or the tokenizer cannot be copied
     */
    public static void write(Checkpoint checkpoint, Path dir, Path tokenizerJson) {
        boolean prefixed = checkpoint.config().hasClassifier();
        Map<String, FloatTensor> named = new LinkedHashMap<>();
        for (Map.Entry<String, FloatTensor> e : checkpoint.tensors().entrySet()) {
            String key = e.getKey();
            boolean head = key.equals(TensorNames.CLASSIFIER_WEIGHT) || key.equals(TensorNames.CLASSIFIER_BIAS);
            named.put(prefixed && !head ? "bert." + key : key, e.getValue());
        }
        try {
            Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve(HfCheckpointReader.WEIGHTS_FILE), named, METADATA);
            if (tokenizerJson != null) {
                AtomicFiles.write(dir.resolve(HfCheckpointReader.TOKENIZER_FILE),
                        tmp -> Files.copy(tokenizerJson, tmp, StandardCopyOption.REPLACE_EXISTING));
            }
            ConfigJson.write(checkpoint.config(), dir.resolve(HfCheckpointReader.CONFIG_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + checkpoint.name() + " into " + dir + ": "
                    + e.getMessage(), e);
        }
    }
}
