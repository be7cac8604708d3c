package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfCheckpointReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsPrefixedCheckpointAndSkipsUnusedInt64Buffer() throws IOException {
        ModelConfig config = Fixtures.tinyConfig(Pooling.POOLER, 2, List.of());
        Map<String, FloatTensor> tensors = Fixtures.tensorsFor(config, true, 3);
        Map<String, FloatTensor> prefixed = new LinkedHashMap<>();
        tensors.forEach((k, v) -> prefixed.put(k.startsWith("classifier") ? k : "bert." + k, v));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), prefixed);
        addInt64Tensor(dir.resolve("model.safetensors"), "bert.embeddings.position_ids");
        ConfigJson.write(config, dir.resolve("config.json"));

        Checkpoint cp = HfCheckpointReader.read(dir, "tiny");

        assertEquals(config, cp.config());
        assertEquals(tensors, cp.tensors());
        assertTrue(cp.hasPooler());
    }

    @Test
    void rejectsTensorWithWrongShapeForConfig() throws IOException {
        ModelConfig config = Fixtures.tinyConfig(Pooling.CLS, 0, List.of());
        Map<String, FloatTensor> tensors = Fixtures.tensorsFor(config, false, 3);
        String bad = TensorNames.intermediate(1, "weight");
        tensors.put(bad, new FloatTensor(bad, new long[] {13, 8}, new float[13 * 8]));
        Path weights = dir.resolve("model.safetensors");
        SafetensorsWriter.write(weights, tensors);
        ConfigJson.write(config, dir.resolve("config.json"));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> HfCheckpointReader.read(dir));

        SafetensorsReaderTest.assertNamesFileAnd(e, weights, bad);
        assertTrue(e.getMessage().contains("[13, 8]"), e.getMessage());
    }

    @Test
    void rejectsMissingTensor() throws IOException {
        ModelConfig config = Fixtures.tinyConfig(Pooling.CLS, 0, List.of());
        Map<String, FloatTensor> tensors = Fixtures.tensorsFor(config, false, 3);
        String missing = TensorNames.value(0, "bias");
        tensors.remove(missing);
        Path weights = dir.resolve("model.safetensors");
        SafetensorsWriter.write(weights, tensors);
        ConfigJson.write(config, dir.resolve("config.json"));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> HfCheckpointReader.read(dir));

        SafetensorsReaderTest.assertNamesFileAnd(e, weights, missing);
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void rejectsNeededTensorOfUnsupportedDtype() throws IOException {
        ModelConfig config = Fixtures.tinyConfig(Pooling.CLS, 0, List.of());
        Map<String, FloatTensor> tensors = Fixtures.tensorsFor(config, false, 3);
        tensors.remove(TensorNames.TOKEN_TYPE_EMBEDDINGS);
        Path weights = dir.resolve("model.safetensors");
        SafetensorsWriter.write(weights, tensors);
        addInt64Tensor(weights, TensorNames.TOKEN_TYPE_EMBEDDINGS);
        ConfigJson.write(config, dir.resolve("config.json"));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> HfCheckpointReader.read(dir));

        SafetensorsReaderTest.assertNamesFileAnd(e, weights, TensorNames.TOKEN_TYPE_EMBEDDINGS);
        assertTrue(e.getMessage().contains("I64"), e.getMessage());
    }

    @Test
    void rejectsDirectoryWithoutConfig() {
        ModelConfig config = Fixtures.tinyConfig(Pooling.CLS, 0, List.of());
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Fixtures.tensorsFor(config, false, 3));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> HfCheckpointReader.read(dir));

        assertEquals(dir.resolve("config.json").toString(), e.source());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    /**
     * Rewrites a safetensors file with one more int64 tensor of shape [1, 2] appended (as old Hugging Face
     * checkpoints store {@code position_ids}).
     */
    static void addInt64Tensor(Path file, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) in.getLong();
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8).strip();
        int dataLength = bytes.length - 8 - headerLength;
        String entry = "\"" + name + "\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[" + dataLength + ","
                + (dataLength + 16) + "]}";
        String newHeader = header.substring(0, header.length() - 1) + "," + entry + "}";
        byte[] data = new byte[dataLength + 16];
        System.arraycopy(bytes, 8 + headerLength, data, 0, dataLength);
        Fixtures.safetensors(file, newHeader, data);
    }
}
