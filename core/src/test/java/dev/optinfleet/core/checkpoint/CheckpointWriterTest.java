package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointWriterTest {
    @TempDir
    Path dir;

    @Test
    void classifierCheckpointReadsBackIdentical() {
        Checkpoint cp = Fixtures.tinyCheckpoint(Fixtures.tinyConfig(Pooling.POOLER, 3, List.of("a", "b", "c")),
                true, 11);
        Path out = dir.resolve("cls");

        CheckpointWriter.write(cp, out);
        Checkpoint back = HfCheckpointReader.read(out);

        assertEquals(cp.config(), back.config());
        assertEquals(cp.tensors(), back.tensors());
        assertEquals(cp.weightsSha256(), back.weightsSha256());
        assertTrue(SafetensorsReader.readHeader(out.resolve("model.safetensors")).entries()
                .containsKey("bert.encoder.layer.0.attention.self.query.weight"), "save_pretrained naming");
    }

    @Test
    void prunedEncoderWithTokenizerReadsBackIdentical() throws IOException {
        ModelConfig pruned = Fixtures.tinyConfig(Pooling.MEAN, 0, List.of())
                .withKept(new int[] {0, 1}, new int[] {12, 3});
        Checkpoint cp = Fixtures.tinyCheckpoint(pruned, false, 5);
        Path tokenizer = Files.writeString(dir.resolve("tok.json"), "{\"version\":\"1.0\"}");
        Path out = dir.resolve("pruned");

        CheckpointWriter.write(cp, out, tokenizer);
        Checkpoint back = HfCheckpointReader.read(out);

        assertEquals(pruned, back.config());
        assertEquals(cp.tensors(), back.tensors());
        assertEquals("{\"version\":\"1.0\"}", Files.readString(out.resolve("tokenizer.json")));
    }
}
