package dev.optinfleet.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optinfleet.core.io.AtomicFiles;
import dev.optinfleet.core.model.FloatTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes float32 tensors as a safetensors file: 8-byte little-endian header length N, the JSON header padded with
 * spaces so that N is a multiple of 8 (as the format allows, keeping the data aligned), then the tensors' F32
 * little-endian values back to back in map order.
 *
 * <p>The file appears atomically: it is written to a temporary sibling and renamed, so a concurrent reader sees
 * the old file or the complete new one. {@link SafetensorsReader#read} of the result gives equal tensors.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_FLOATS = 1 << 18;

    private SafetensorsWriter() {
    }

    /** Writes the tensors under their map keys, with no metadata. */
    public static void write(Path file, Map<String, FloatTensor> tensors) {
        write(file, tensors, Map.of());
    }

    /**
     * Writes the tensors under their map keys (the tensors' own names are not used) and the string metadata
     * under {@code __metadata__}.
     *
     * @throws UncheckedIOException when the file cannot be written; the target is then left untouched
     */
    public static void write(Path file, Map<String, FloatTensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        write(file, shapes, metadata, (name, sink) -> sink.accept(tensors.get(name).data()));
    }

    /**
     * Where a streamed tensor's values come from: {@link #write(String, FloatSink)} must pass exactly
     * product(shape) values of the named tensor to the sink, in row-major order, in as many calls as it likes.
     */
    @FunctionalInterface
    public interface TensorContent {
        void write(String name, FloatSink sink) throws IOException;
    }

    /** Takes the next values of the tensor being written. */
    @FunctionalInterface
    public interface FloatSink {
        void accept(float[] values, int offset, int length) throws IOException;

        default void accept(float[] values) throws IOException {
            accept(values, 0, values.length);
        }
    }

    /**
     * Writes tensors of the given shapes, in map order, whose values {@code content} supplies one tensor at a
     * time: the header is known from the shapes, so the values never need to be in memory together (the slicer
     * streams a checkpoint larger than the heap this way). The bytes equal what {@link #write(Path, Map, Map)}
     * writes for the same tensors.
     *
     * @throws UncheckedIOException     when the file cannot be written; the target is then left untouched
     * @throws IllegalStateException    when {@code content} passes more or fewer values than a shape needs
     */
    public static void write(Path file, Map<String, long[]> shapes, Map<String, String> metadata,
                             TensorContent content) {
        Objects.requireNonNull(shapes, "shapes");
        Objects.requireNonNull(metadata, "metadata");
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafetensorsReader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (e.getKey().equals(SafetensorsReader.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + SafetensorsReader.METADATA_KEY);
            }
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", TensorDtype.F32.name());
            ArrayNode shape = entry.putArray("shape");
            long n = 1;
            for (long d : e.getValue()) {
                shape.add(d);
                n *= d;
            }
            long bytes = 4L * n;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            counts.put(e.getKey(), n);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode safetensors header for " + file, e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try {
            AtomicFiles.write(file, tmp -> {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    writeFully(ch, head);
                    ByteBuffer chunk = ByteBuffer.allocateDirect(4 * CHUNK_FLOATS).order(ByteOrder.LITTLE_ENDIAN);
                    FloatBuffer floats = chunk.asFloatBuffer();
                    for (Map.Entry<String, Long> e : counts.entrySet()) {
                        long[] written = {0};
                        content.write(e.getKey(), (data, from, length) -> {
                            written[0] += length;
                            if (written[0] > e.getValue()) {
                                throw new IllegalStateException("tensor " + e.getKey() + " got more than its "
                                        + e.getValue() + " values");
                            }
                            for (int off = 0; off < length; off += CHUNK_FLOATS) {
                                int len = Math.min(CHUNK_FLOATS, length - off);
                                floats.clear();
                                floats.put(data, from + off, len);
                                chunk.clear().limit(4 * len);
                                writeFully(ch, chunk);
                            }
                        });
                        if (written[0] != e.getValue()) {
                            throw new IllegalStateException("tensor " + e.getKey() + " got " + written[0]
                                    + " values, its shape needs " + e.getValue());
                        }
                    }
                    ch.force(true);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
