package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void roundTripGivesIdenticalTensorsAndMetadata() {
        Map<String, FloatTensor> tensors = Fixtures.tensorsFor(Fixtures.tinyConfig(Pooling.CLS, 0, List.of()),
                true, 7);
        // Values that text or narrowing would alter: NaN payload, -0, subnormal, extremes.
        tensors.put("odd", new FloatTensor("odd", new long[] {2, 3}, new float[] {Float.NaN, -0f,
                Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f / 3}));
        tensors.put("empty", new FloatTensor("empty", new long[] {0, 4}, new float[0]));
        Path file = dir.resolve("model.safetensors");

        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        assertEquals(tensors, SafetensorsReader.read(file));
        assertEquals(Map.of("format", "pt"), SafetensorsReader.readHeader(file).metadata());
    }

    @Test
    void padsHeaderToMultipleOfEightBytes() throws IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (String name : List.of("a", "bb", "ccc")) {
            tensors.put(name, new FloatTensor(name, new long[] {1}, new float[] {1}));
            Path file = dir.resolve(name + ".safetensors");

            SafetensorsWriter.write(file, tensors);

            long headerLength = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8, "header length " + headerLength);
            assertEquals(8 + headerLength + 4L * tensors.size(), Files.size(file));
        }
    }

    @Test
    void replacesExistingFileWithoutLeavingTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Map<String, FloatTensor> first = Map.of("w", new FloatTensor("w", new long[] {1}, new float[] {1}));
        Map<String, FloatTensor> second = Map.of("w", new FloatTensor("w", new long[] {2}, new float[] {2, 3}));

        SafetensorsWriter.write(file, first);
        SafetensorsWriter.write(file, second);

        assertEquals(second, SafetensorsReader.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        assertTrue(Files.isRegularFile(file));
    }
}
