package dev.optinfleet.cli;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a model and its tokenizer are: a checkpoint directory, an ONNX file, or {@code bundled:minilm} (the real
 * all-MiniLM-L6-v2 that ships from Maven Central with this tool).
 *
 * @param model     directory or .onnx file
 * @param tokenizer tokenizer.json
 */
record ModelLocation(Path model, Path tokenizer) {
    static final String BUNDLED_MINILM = "bundled:minilm";

    static ModelLocation resolve(String spec, Path explicitTokenizer) {
        if (BUNDLED_MINILM.equals(spec)) {
            Path dir = cacheDir();
            return new ModelLocation(BundledModels.MINILM_L6.onnx(dir),
                    explicitTokenizer != null ? explicitTokenizer : BundledModels.MINILM_L6.tokenizer(dir));
        }
        if (spec.startsWith("bundled:")) {
            throw new IllegalArgumentException("unknown bundled model '" + spec + "'; available: " + BUNDLED_MINILM);
        }
        Path model = Path.of(spec);
        if (!Files.exists(model)) {
            throw new IllegalArgumentException("model " + model + " does not exist");
        }
        Path tokenizer = explicitTokenizer != null ? explicitTokenizer : findTokenizer(model);
        if (!Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("tokenizer " + tokenizer + " does not exist; pass --tokenizer");
        }
        return new ModelLocation(model, tokenizer);
    }

    Checkpoint load() {
        return CheckpointLoader.load(model);
    }

    private static Path findTokenizer(Path model) {
        if (Files.isDirectory(model)) {
            return model.resolve(HfCheckpointReader.TOKENIZER_FILE);
        }
        Path dir = model.toAbsolutePath().getParent();
        String stem = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        Path sibling = dir.resolve(stem + "-tokenizer.json");
        return Files.isRegularFile(sibling) ? sibling : dir.resolve(HfCheckpointReader.TOKENIZER_FILE);
    }

    /** Bundled models are extracted once, under the user's cache directory. */
    static Path cacheDir() {
        String base = System.getenv("OPTIN_CACHE");
        return base != null ? Path.of(base) : Path.of(System.getProperty("user.home"), ".cache", "optin-fleet");
    }
}
