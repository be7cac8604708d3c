package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;
import dev.optinfleet.core.model.TensorNames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face checkpoint directory known from {@code config.json} and the safetensors header alone: the
 * architecture, the pooler, and where each expected tensor lies in the file, validated exactly as
 * {@link Checkpoint#of} validates loaded tensors (same messages), but without reading a single weight. Memory is
 * the header, whatever the model's size; planning a job and slicing a model (see
 * {@code dev.optinfleet.core.prune.StreamingSlicer}) start from this.
 *
 * @param name      the checkpoint's name
 * @param config    the architecture
 * @param hasPooler whether the file holds pooler weights
 * @param weights   the model.safetensors file
 * @param stored    canonical tensor name to the entry as stored, in {@link TensorLayout} order
 */
public record CheckpointHeader(String name, ModelConfig config, boolean hasPooler, Path weights,
                               Map<String, SafetensorsReader.Entry> stored) {
    public CheckpointHeader {
        stored = Collections.unmodifiableMap(new LinkedHashMap<>(stored));
    }

    /** Reads the directory's headers; the checkpoint is named after the directory. */
    public static CheckpointHeader read(Path dir) {
        Path fileName = dir.toAbsolutePath().normalize().getFileName();
        return read(dir, fileName == null ? dir.toString() : fileName.toString());
    }

    /**
     * Reads {@code config.json} and the safetensors header of {@code dir}.
     *
     * @throws CheckpointFormatException naming the file and the tensor or field at fault (a missing tensor, a
     *                                   shape that does not match the config, a dtype that cannot be read)
     */
    public static CheckpointHeader read(Path dir, String name) {
        Path weights = dir.resolve(HfCheckpointReader.WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new CheckpointFormatException(weights.toString(), null, "missing: a checkpoint directory needs "
                    + HfCheckpointReader.CONFIG_FILE + " and " + HfCheckpointReader.WEIGHTS_FILE);
        }
        SafetensorsReader.Header header = SafetensorsReader.readHeader(weights);
        Set<String> storedNames = header.entries().keySet();
        ModelConfig config = ConfigJson.read(dir.resolve(HfCheckpointReader.CONFIG_FILE), storedNames);
        Map<String, SafetensorsReader.Entry> canonical = new LinkedHashMap<>();
        for (SafetensorsReader.Entry e : header.entries().values()) {
            canonical.put(TensorNames.canonical(e.name()), e);
        }
        String source = weights.toString();
        boolean pooler = canonical.containsKey(TensorNames.POOLER_WEIGHT);
        if (config.hasClassifier() && config.pooling() == Pooling.POOLER && !pooler) {
            throw new CheckpointFormatException(source, TensorNames.POOLER_WEIGHT,
                    "pooling is 'pooler' but the checkpoint has no pooler weights; set \"pooling\": \"cls\" or"
                            + " \"mean\" in config.json");
        }
        Map<String, SafetensorsReader.Entry> kept = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(config, pooler).entrySet()) {
            SafetensorsReader.Entry t = canonical.get(e.getKey());
            if (t == null) {
                throw new CheckpointFormatException(source, e.getKey(), "tensor is missing (expected shape "
                        + Arrays.toString(e.getValue()) + " for " + config + ")");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new CheckpointFormatException(source, e.getKey(), "shape " + Arrays.toString(t.shape())
                        + " does not match the config, expected " + Arrays.toString(e.getValue()));
            }
            if (TensorDtype.fromSafetensorsName(t.dtype()).isEmpty()) {
                throw new CheckpointFormatException(source, t.name(), "dtype " + t.dtype()
                        + " is not supported; only F32, F16, BF16 and F64 tensors can be read as float32");
            }
            kept.put(e.getKey(), t);
        }
        return new CheckpointHeader(name, config, pooler, weights, kept);
    }

    /** The same checkpoint under another name. */
    public CheckpointHeader named(String newName) {
        return new CheckpointHeader(newName, config, hasPooler, weights, stored);
    }

    /** Total number of parameters, as {@link Checkpoint#parameterCount()} of the loaded model. */
    public long parameterCount() {
        long n = 0;
        for (SafetensorsReader.Entry e : stored.values()) {
            n += e.elementCount();
        }
        return n;
    }

    /** Bytes the loaded model would take on the Java heap (float32), which this record never allocates. */
    public long float32Bytes() {
        return 4 * parameterCount();
    }

    /**
     * The weights' identity, equal to {@link Checkpoint#weightsSha256()} of the loaded model (same names, shapes
     * and float32 values in the same order), computed by reading the file in pieces: memory stays a few MB.
     */
    public String weightsSha256() {
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            float[] chunk = new float[1 << 16];
            ByteBuffer buf = ByteBuffer.allocate(4 * chunk.length).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, SafetensorsReader.Entry> e : stored.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                for (long dim : e.getValue().shape()) {
                    md.update(Long.toString(dim).getBytes(StandardCharsets.US_ASCII));
                }
                long count = e.getValue().elementCount();
                for (long first = 0; first < count; first += chunk.length) {
                    int n = (int) Math.min(chunk.length, count - first);
                    file.read(e.getValue(), first, chunk, 0, n);
                    buf.clear();
                    buf.asFloatBuffer().put(chunk, 0, n);
                    md.update(buf.array(), 0, 4 * n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Loads every weight: the {@link Checkpoint} {@link HfCheckpointReader} reads (needs the model's size). */
    public Checkpoint load() {
        Map<String, FloatTensor> tensors = SafetensorsReader.read(weights,
                n -> stored.containsKey(TensorNames.canonical(n)));
        return Checkpoint.of(weights.toString(), name, config, tensors);
    }
}
