package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsF32TensorAsStoredAndIgnoresMetadata() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("a.safetensors"),
                "{\"__metadata__\":{\"format\":\"pt\",\"n\":3},"
                        + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
                Fixtures.f32(1, 2, 3, 4, 5, 6));

        Map<String, FloatTensor> tensors = SafetensorsReader.read(file);

        assertEquals(1, tensors.size());
        assertArrayEquals(new long[] {2, 3}, tensors.get("w").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, tensors.get("w").data());
        assertEquals(Map.of("format", "pt"), SafetensorsReader.readHeader(file).metadata());
    }

    @Test
    void convertsF16Bf16AndF64ToFloat() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 * 3 + 2 * 2 + 8 * 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001); // 1, -2, 2^-24
        data.putShort((short) 0x3f80).putShort((short) 0xc0a0);                            // 1, -5
        data.putDouble(0.25).putDouble(-1e-3);
        Path file = Fixtures.safetensors(dir.resolve("mixed.safetensors"), "{"
                        + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
                        + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[10,26]}}",
                data.array());

        Map<String, FloatTensor> tensors = SafetensorsReader.read(file);

        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f}, tensors.get("h").data());
        assertArrayEquals(new float[] {1f, -5f}, tensors.get("b").data());
        assertArrayEquals(new float[] {0.25f, (float) -1e-3}, tensors.get("d").data());
    }

    @Test
    void skipsUnwantedTensorsOfUnsupportedDtype() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("ids.safetensors"), "{"
                        + "\"position_ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                        + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0x3f});

        Map<String, FloatTensor> tensors = SafetensorsReader.read(file, name -> name.equals("w"));

        assertEquals(Map.of("w", new FloatTensor("w", new long[] {1}, new float[] {1f})), tensors);
    }

    @Test
    void rejectsFileShorterThanLengthPrefix() throws IOException {
        Path file = dir.resolve("short.safetensors");
        java.nio.file.Files.write(file, new byte[] {1, 2, 3});

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "header length");
    }

    @Test
    void rejectsHeaderLongerThanFile() throws IOException {
        Path file = Fixtures.rawSafetensors(dir.resolve("long.safetensors"), 1000, "{}".getBytes(), new byte[0]);

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "header length");
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
    }

    @Test
    void rejectsHeaderLengthBeyondSaneLimit() throws IOException {
        Path file = Fixtures.rawSafetensors(dir.resolve("huge.safetensors"), SafetensorsReader.MAX_HEADER_BYTES + 1,
                "{}".getBytes(), new byte[0]);

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "header length");
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void rejectsHeaderThatIsNotJson() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("text.safetensors"), "hello, world", new byte[0]);

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "header");
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void rejectsTruncatedTensorData() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("cut.safetensors"),
                "{\"encoder.w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", Fixtures.f32(1, 2));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "encoder.w");
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsOffsetsInconsistentWithShapeAndDtype() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("span.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", Fixtures.f32(1, 2, 3));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "w");
        assertTrue(e.getMessage().contains("needs 12"), e.getMessage());
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("overlap.safetensors"), "{"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                Fixtures.f32(1, 2, 3));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "b");
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
    }

    @Test
    void rejectsUnsupportedDtypeByName() throws IOException {
        Path file = Fixtures.safetensors(dir.resolve("int.safetensors"),
                "{\"embeddings.ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsReader.read(file));

        assertNamesFileAnd(e, file, "embeddings.ids");
        assertTrue(e.getMessage().contains("I32"), e.getMessage());
    }

    @Test
    void reportsMissingFileAsIoProblem() {
        Path file = dir.resolve("absent.safetensors");

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafetensorsReader.read(file));

        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    static void assertNamesFileAnd(CheckpointFormatException e, Path file, String field) {
        assertEquals(file.toString(), e.source());
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }
}
