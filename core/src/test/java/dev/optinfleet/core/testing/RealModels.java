package dev.optinfleet.core.testing;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.tokenize.TextTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The real MiniLM (from Maven Central, see {@link BundledModels}) and real sentences, loaded once per test JVM:
 * importing the ONNX file takes a second or two.
 */
public final class RealModels {
    public static final Path MODEL_DIR = Path.of("target", "models");
    private static Checkpoint miniLm;

    private RealModels() {
    }

    public static synchronized Checkpoint miniLm() {
        if (miniLm == null) {
            miniLm = CheckpointLoader.load(miniLmOnnx());
        }
        return miniLm;
    }

    public static Path miniLmOnnx() {
        return BundledModels.MINILM_L6.onnx(MODEL_DIR);
    }

    public static Path miniLmTokenizer() {
        return BundledModels.MINILM_L6.tokenizer(MODEL_DIR);
    }

    public static TextTokenizer miniLmTokenizerInstance() {
        return TextTokenizer.load(miniLmTokenizer(), miniLm().config().maxPositions());
    }

    /** 24 real English sentences (src/test/resources/sentences.txt). */
    public static List<String> sentences() {
        try (var in = RealModels.class.getResourceAsStream("/sentences.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(s -> !s.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
