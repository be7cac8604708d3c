package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.checkpoint.onnx.OnnxImporter;
import dev.optinfleet.core.checkpoint.onnx.TinyOnnxBertAccess;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointLoaderTest {
    @TempDir
    Path dir;

    @Test
    void loadsHuggingFaceDirectoryAndItsWeightsFile() {
        Checkpoint cp = Fixtures.tinyCheckpoint(Fixtures.tinyConfig(Pooling.CLS, 0, List.of()), false, 1);
        Path out = dir.resolve("tiny");
        CheckpointWriter.write(cp, out);

        assertEquals(cp.tensors(), CheckpointLoader.load(out).tensors());
        assertEquals(cp.tensors(), CheckpointLoader.load(out.resolve("model.safetensors")).tensors());
        assertEquals("tiny", CheckpointLoader.load(out).name());
    }

    @Test
    void loadsOnnxFileAndDirectoryHoldingModelOnnx() throws IOException {
        Path file = dir.resolve("tiny.onnx");
        TinyOnnxBertAccess.writeValid(file);
        Path versionDir = Files.createDirectories(dir.resolve("models/tiny/3"));
        Files.copy(file, versionDir.resolve("model.onnx"));

        Checkpoint fromFile = CheckpointLoader.load(file);
        Checkpoint fromDir = CheckpointLoader.load(versionDir);

        assertEquals(OnnxImporter.read(file).tensors(), fromFile.tensors());
        assertEquals(fromFile.tensors(), fromDir.tensors());
        assertEquals("3", fromDir.name());
    }

    @Test
    void rejectsFileThatIsNoCheckpoint() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "hello");

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> CheckpointLoader.load(file));

        assertEquals(file.toString(), e.source());
        assertTrue(e.getMessage().contains("not a checkpoint"), e.getMessage());
    }

    @Test
    void rejectsDirectoryWithoutModelFiles() {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> CheckpointLoader.load(dir));

        assertEquals(dir.toString(), e.source());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void reportsMissingPathAsIoProblem() {
        Path absent = dir.resolve("absent");

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> CheckpointLoader.load(absent));

        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }
}
