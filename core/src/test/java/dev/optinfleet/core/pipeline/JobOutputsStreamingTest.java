package dev.optinfleet.core.pipeline;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointHeader;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dense model known by its headers, repair none: every budget's files (mask.json, config.json,
 * model.safetensors, tokenizer.json, model.onnx) are byte for byte those of the in-memory path.
 */
class JobOutputsStreamingTest {
    private static final ModelConfig CONFIG = TinyModels.config();

    @Test
    void headerOnlyDenseModelWritesTheSameFilesAsTheLoadedOne(@TempDir Path tmp) throws IOException {
        Checkpoint dense = TinyModels.random(CONFIG, 11).named("tiny");
        Path denseDir = tmp.resolve("tiny");
        CheckpointWriter.write(dense, denseDir);
        Path tokenizer = Files.writeString(tmp.resolve("tokenizer.json"), "{\"t\": 1}");
        Random rnd = new Random(2);
        double[][] hs = new double[CONFIG.numLayers()][];
        double[][] ns = new double[CONFIG.numLayers()][];
        for (int l = 0; l < hs.length; l++) {
            hs[l] = rnd.doubles(CONFIG.numHeads()).toArray();
            ns[l] = rnd.doubles(CONFIG.intermediateSize()).toArray();
        }
        FlopModel flops = FlopModel.of(CONFIG, 9.0, dense.hasPooler());
        ScoresDocument scores = new ScoresDocument(ScoresDocument.SCHEMA_VERSION, dense.name(), dense.weightsSha256(),
                Map.of("scorer", "fisher"), 1.0, 9.0, new int[] {9},
                List.of(new UnitTermsMessage(0, "head", 0, new double[] {0}, new double[] {0})), hs, ns);
        Repairing none = new Repairing(ReconstructionSettings.of(Repair.NONE), List.of());
        List<Double> budgets = List.of(0.6, 0.4);

        DenseModel headers = DenseModel.of(CheckpointHeader.read(denseDir, "tiny"));
        assertEquals(dense.weightsSha256(), headers.weightsSha256());
        List<BudgetOutput> streamed = JobOutputs.writeBudgets(tmp.resolve("streamed"), headers, tokenizer, scores,
                flops, budgets, none);
        List<BudgetOutput> loaded = JobOutputs.writeBudgets(tmp.resolve("loaded"), dense, tokenizer, scores, flops,
                budgets, none);

        assertEquals(loaded.size(), streamed.size());
        for (int i = 0; i < loaded.size(); i++) {
            assertEquals(loaded.get(i).solved(), streamed.get(i).solved());
            Path a = loaded.get(i).dir();
            Path b = streamed.get(i).dir();
            List<Path> files = files(a);
            assertEquals(List.of("config.json", "mask.json", "model.onnx", "model.safetensors", "tokenizer.json"),
                    files.stream().map(p -> p.getFileName().toString()).sorted().toList());
            assertEquals(files.stream().map(a::relativize).toList(), files(b).stream().map(b::relativize).toList());
            for (Path f : files) {
                Path other = b.resolve(a.relativize(f));
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(other), f + " vs " + other);
            }
        }
        assertTrue(Files.size(loaded.get(1).dir().resolve("model.safetensors"))
                < Files.size(denseDir.resolve("model.safetensors")));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
