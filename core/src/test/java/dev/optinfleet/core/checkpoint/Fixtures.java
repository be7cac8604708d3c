package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small generated checkpoints and hand-made safetensors bytes for checkpoint tests. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A tiny dense BERT: vocab 11, d 8, 2 layers, 2 heads, F 12, 16 positions, 2 token types. */
    public static ModelConfig tinyConfig(Pooling pooling, int numLabels, List<String> labels) {
        return ModelConfig.dense("bert", 11, 8, 2, 2, 12, 16, 2, 1e-12, pooling, numLabels, labels);
    }

    /** Random tensors with exactly the shapes the layout expects, from a seeded generator. */
    public static Map<String, FloatTensor> tensorsFor(ModelConfig config, boolean pooler, long seed) {
        Random random = new Random(seed);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(config, pooler).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] data = new float[(int) n];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) random.nextGaussian();
            }
            out.put(e.getKey(), new FloatTensor(e.getKey(), e.getValue(), data));
        }
        return out;
    }

    public static Checkpoint tinyCheckpoint(ModelConfig config, boolean pooler, long seed) {
        return Checkpoint.of("generated", "tiny", config, tensorsFor(config, pooler, seed));
    }

    /** A safetensors file from a literal header and data section; the length prefix is the header's length. */
    public static Path safetensors(Path file, String headerJson, byte[] data) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return rawSafetensors(file, header.length, header, data);
    }

    /** A file whose 8-byte prefix declares {@code declaredLength}, followed by the given bytes. */
    public static Path rawSafetensors(Path file, long declaredLength, byte[] header, byte[] data)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredLength).put(header).put(data);
        Files.write(file, buf.array());
        return file;
    }

    /** Little-endian bytes of the values. */
    public static byte[] f32(float... values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }
}
