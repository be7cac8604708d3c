package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;
import dev.optinfleet.core.model.TensorNames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A BERT-family model held on the Java heap: its architecture and every tensor in Hugging Face naming and layout
 * (see {@link TensorLayout}). Immutable and engine-free; the encoder copies it into engine arrays.
 *
 * <p>Instances are only made through {@link #of}, which checks every expected tensor is present with its exact
 * shape, so a {@code Checkpoint} is never half-loaded.
 */
public final class Checkpoint {
    private final String name;
    private final ModelConfig config;
    private final Map<String, FloatTensor> tensors;
    private final boolean hasPooler;

    private Checkpoint(String name, ModelConfig config, Map<String, FloatTensor> tensors, boolean hasPooler) {
        this.name = name;
        this.config = config;
        this.tensors = tensors;
        this.hasPooler = hasPooler;
    }

    /**
     * Validates and wraps. Names are canonicalised (a {@code bert.} prefix is dropped); tensors the layout does not
     * use (e.g. {@code position_ids} buffers) are dropped.
     *
     * @param source file or URI the tensors came from, for error messages
     * @throws CheckpointFormatException naming the source and the missing or wrongly shaped tensor
     */
    public static Checkpoint of(String source, String name, ModelConfig config, Map<String, FloatTensor> tensors) {
        Map<String, FloatTensor> canonical = new LinkedHashMap<>();
        for (Map.Entry<String, FloatTensor> e : tensors.entrySet()) {
            String key = TensorNames.canonical(e.getKey());
            canonical.put(key, e.getValue().name().equals(key) ? e.getValue() : e.getValue().renamed(key));
        }
        boolean pooler = canonical.containsKey(TensorNames.POOLER_WEIGHT);
        if (config.hasClassifier() && config.pooling() == Pooling.POOLER && !pooler) {
            throw new CheckpointFormatException(source, TensorNames.POOLER_WEIGHT,
                    "pooling is 'pooler' but the checkpoint has no pooler weights; set \"pooling\": \"cls\" or"
                            + " \"mean\" in config.json");
        }
        Map<String, FloatTensor> kept = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(config, pooler).entrySet()) {
            FloatTensor t = canonical.get(e.getKey());
            if (t == null) {
                throw new CheckpointFormatException(source, e.getKey(), "tensor is missing (expected shape "
                        + Arrays.toString(e.getValue()) + " for " + config + ")");
            }
            if (!t.hasShape(e.getValue())) {
                throw new CheckpointFormatException(source, e.getKey(), "shape " + Arrays.toString(t.shape())
                        + " does not match the config, expected " + Arrays.toString(e.getValue()));
            }
            kept.put(e.getKey(), t);
        }
        return new Checkpoint(name, config, Collections.unmodifiableMap(kept), pooler);
    }

    public String name() {
        return name;
    }

    public ModelConfig config() {
        return config;
    }

    /** Every tensor, canonical names, in {@link TensorLayout} order. */
    public Map<String, FloatTensor> tensors() {
        return tensors;
    }

    public FloatTensor tensor(String canonicalName) {
        FloatTensor t = tensors.get(canonicalName);
        if (t == null) {
            throw new IllegalArgumentException("checkpoint " + name + " has no tensor " + canonicalName);
        }
        return t;
    }

    public boolean hasPooler() {
        return hasPooler;
    }

    /** The same weights under another name. */
    public Checkpoint named(String newName) {
        return new Checkpoint(newName, config, tensors, hasPooler);
    }

    /** Total number of parameters. */
    public long parameterCount() {
        long n = 0;
        for (FloatTensor t : tensors.values()) {
            n += t.data().length;
        }
        return n;
    }

    /**
     * SHA-256 over tensor names, shapes and little-endian float32 values in layout order: the model identity
     * recorded in masks, whatever file format the weights came from.
     */
    public String weightsSha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (FloatTensor t : tensors.values()) {
                md.update(t.name().getBytes(StandardCharsets.UTF_8));
                for (long dim : t.shape()) {
                    md.update(Long.toString(dim).getBytes(StandardCharsets.US_ASCII));
                }
                float[] data = t.data();
                for (int i = 0; i < data.length; i++) {
                    if (!buf.hasRemaining()) {
                        md.update(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(data[i]);
                }
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
