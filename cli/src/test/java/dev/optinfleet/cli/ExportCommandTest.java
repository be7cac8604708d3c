package dev.optinfleet.cli;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.testing.OnnxRuntimeRunner;
import dev.optinfleet.core.testing.RealModels;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static dev.optinfleet.cli.OptinCommandTest.assertOneLine;
import static dev.optinfleet.cli.OptinCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code optin export}: a pruned checkpoint becomes a model.onnx that ONNX Runtime runs like the encoder. */
class ExportCommandTest {
    private static final float TOLERANCE = 1e-4f;

    @TempDir
    Path dir;

    @Test
    void exportsAPrunedCheckpointThatOnnxRuntimeRunsLikeTheEncoder() throws Exception {
        Checkpoint pruned = writePruned(dir.resolve("model"));
        Path out = dir.resolve("onnx");

        OptinCommandTest.Run r = run("export", "--model", dir.resolve("model").toString(), "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model.onnx"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer copied beside the model");
        TokenBatch batch = TinyModels.batch(4, 10, pruned.config().vocabSize(), 3);
        Map<String, float[]> onnx = OnnxRuntimeRunner.run(out.resolve("model.onnx"), batch);
        try (Encoder enc = Encoder.load(pruned); NDManager scope = enc.newScope()) {
            EncoderOutput want = enc.forward(scope, batch);
            assertClose(want.hidden().toFloatArray(), onnx.get("last_hidden_state"));
            assertClose(want.logits().toFloatArray(), onnx.get("logits"));
        }
    }

    @Test
    void unsupportedArchitectureFailsNamingTheFieldAndWritesNothing() throws IOException {
        Path model = dir.resolve("model");
        writePruned(model);
        Path config = model.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"optin_pruned_bert\"", "\"roberta\""));
        Path out = dir.resolve("onnx");

        assertOneLine(run("export", "--model", model.toString(), "--out", out.toString()), OptinCommand.BAD_INPUT,
                "model_type", "roberta");
        assertEmpty(out);
    }

    @Test
    void tensorsThatDisagreeWithTheConfigFailNamingTheTensorAndWriteNothing() throws IOException {
        Path model = dir.resolve("model");
        Checkpoint pruned = writePruned(model);
        int heads = pruned.config().headsIn(0);
        Path config = model.resolve("config.json");
        String json = Files.readString(config);
        String listed = "\"heads_per_layer\" : [ " + heads + ",";
        assertTrue(json.contains(listed), json);
        Files.writeString(config, json.replace(listed, "\"heads_per_layer\" : [ " + (heads + 1) + ","));
        Path out = dir.resolve("onnx");

        assertOneLine(run("export", "--model", model.toString(), "--out", out.toString()), OptinCommand.BAD_INPUT,
                "encoder.layer.0.attention.self.query.weight");
        assertEmpty(out);
    }

    /** A tiny classifier checkpoint sliced so that layer 1 has no heads, written with a tokenizer. */
    private static Checkpoint writePruned(Path dir) {
        ModelConfig config = TinyModels.config();
        UnitMask mask = UnitMask.all(config.numLayers(), config.numHeads(), config.intermediateSize())
                .withoutHead(0, 1);
        for (int h = 0; h < config.numHeads(); h++) {
            mask = mask.withoutHead(1, h);
        }
        for (int i = 0; i < config.intermediateSize(); i += 2) {
            mask = mask.withoutNeuron(2, i);
        }
        Checkpoint pruned = CheckpointSlicer.slice(TinyModels.random(config, 8), mask);
        CheckpointWriter.write(pruned, dir, RealModels.miniLmTokenizer());
        return pruned;
    }

    private static void assertEmpty(Path out) throws IOException {
        if (Files.exists(out)) {
            try (Stream<Path> files = Files.list(out)) {
                assertEquals(0, files.count(), "nothing may be left in " + out);
            }
        }
    }

    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        float max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i] - got[i]));
        }
        assertTrue(max <= TOLERANCE, "max abs difference " + max);
    }
}
