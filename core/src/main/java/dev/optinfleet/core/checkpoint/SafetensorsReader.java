package dev.optinfleet.core.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optinfleet.core.model.FloatTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads a <a href="https://huggingface.co/docs/safetensors">safetensors</a> file into float32 tensors, names and
 * shapes exactly as stored (Hugging Face linear weights stay [out, in]).
 *
 * <p>Layout: an unsigned little-endian 64-bit header length N, N bytes of UTF-8 JSON
 * {@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}, then the data
 * section; offsets are relative to its start. The whole header is validated before any tensor is read, and every
 * problem becomes a {@link CheckpointFormatException} naming the file and the tensor or header field. F32, F16,
 * BF16 and F64 tensors are converted to float32; other dtypes are rejected by name. Tensor data is read through
 * memory-mapped, bulk typed-buffer copies.
 */
public final class SafetensorsReader {
    /** Largest header accepted (the reference implementation's limit); a longer one is a corrupt length. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The header key of the free-form string metadata; not a tensor. */
    public static final String METADATA_KEY = "__metadata__";
    /** Field name used in exceptions about the 8-byte length prefix. */
    static final String HEADER_LENGTH = "header length";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Map<String, Integer> SPEC_DTYPE_SIZES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("F64", 8), Map.entry("I64", 8), Map.entry("U64", 8));

    private SafetensorsReader() {
    }

    /**
     * One tensor's header entry.
     *
     * @param name  tensor name as stored
     * @param dtype safetensors dtype string (e.g. {@code F32})
     * @param shape dimensions
     * @param begin first byte, relative to the data section
     * @param end   one past the last byte, relative to the data section
     */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of elements, product(shape). */
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * A validated header.
     *
     * @param entries   tensors in header order
     * @param metadata  the {@code __metadata__} strings (non-string values skipped), possibly empty
     * @param dataStart absolute file offset of the data section (8 + N)
     */
    public record Header(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {
        public Header {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
            metadata = Map.copyOf(metadata);
        }
    }

    /** Reads every tensor. Any tensor of a dtype other than F32/F16/BF16/F64 is an error. */
    public static Map<String, FloatTensor> read(Path file) {
        return read(file, name -> true);
    }

    /**
     * Reads the tensors whose stored name {@code wanted} accepts; the others are validated for their place in
     * the file but not decoded, so e.g. an unused int64 {@code position_ids} buffer does not fail the read.
     *
     * @return stored name to tensor, header order
     * @throws CheckpointFormatException naming the file and the tensor or header field at fault
     * @throws UncheckedIOException      when the file cannot be read at all
     */
    public static Map<String, FloatTensor> read(Path file, Predicate<String> wanted) {
        String source = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(source, ch);
            List<Entry> selected = new ArrayList<>();
            for (Entry e : header.entries().values()) {
                if (wanted.test(e.name())) {
                    if (TensorDtype.fromSafetensorsName(e.dtype()).isEmpty()) {
                        throw new CheckpointFormatException(source, e.name(), "dtype " + e.dtype()
                                + " is not supported; only F32, F16, BF16 and F64 tensors can be read as float32");
                    }
                    if (e.elementCount() > Integer.MAX_VALUE - 8) {
                        throw new CheckpointFormatException(source, e.name(), "has " + e.elementCount()
                                + " elements, more than a Java array can hold");
                    }
                    selected.add(e);
                }
            }
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            for (Entry e : selected) {
                TensorDtype dtype = TensorDtype.fromSafetensorsName(e.dtype()).orElseThrow();
                float[] data = new float[(int) e.elementCount()];
                long length = e.end() - e.begin();
                if (length > 0) {
                    MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + e.begin(),
                            length);
                    dtype.decode(mapped, data);
                }
                out.put(e.name(), new FloatTensor(e.name(), e.shape(), data));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + source + ": " + e.getMessage(), e);
        }
    }

    /** Reads and validates only the header (names, dtypes, shapes, offsets, metadata). */
    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file.toString(), ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Header readHeader(String source, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CheckpointFormatException(source, HEADER_LENGTH, "file has " + size
                    + " bytes, fewer than the 8-byte header length; it is truncated or not a safetensors file");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, prefix, 0);
        long n = prefix.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new CheckpointFormatException(source, HEADER_LENGTH, "header length "
                    + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES
                    + " bytes; the file is corrupt or not a safetensors file");
        }
        if (n > size - 8) {
            throw new CheckpointFormatException(source, HEADER_LENGTH, "header length " + n
                    + " is beyond the end of the file (only " + (size - 8) + " bytes follow the length);"
                    + " the file is truncated or not a safetensors file");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(ch, headerBytes, 8);
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes.array());
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(source, "header", "is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(source, "header", "must be a JSON object of tensor entries");
        }
        long dataLength = size - 8 - n;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                field.getValue().fields().forEachRemaining(m -> {
                    if (m.getValue().isTextual()) {
                        metadata.put(m.getKey(), m.getValue().asText());
                    }
                });
                continue;
            }
            Entry entry = parseEntry(source, field.getKey(), field.getValue(), dataLength);
            entries.put(entry.name(), entry);
        }
        checkNoOverlap(source, entries);
        return new Header(entries, metadata, 8 + n);
    }

    private static Entry parseEntry(String source, String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw new CheckpointFormatException(source, name, "header entry must be an object with dtype, shape"
                    + " and data_offsets, was " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointFormatException(source, name, "dtype is missing or not a string");
        }
        String dtype = dtypeNode.asText();
        Integer elementSize = SPEC_DTYPE_SIZES.get(dtype);
        if (elementSize == null) {
            throw new CheckpointFormatException(source, name, "dtype " + dtype + " is not a safetensors dtype");
        }
        long[] shape = longArray(source, name, "shape", node.get("shape"), -1);
        long[] offsets = longArray(source, name, "data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new CheckpointFormatException(source, name, "data_offsets " + Arrays.toString(offsets)
                    + " end before they begin");
        }
        long expectedBytes;
        try {
            long elements = 1;
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            expectedBytes = Math.multiplyExact(elements, (long) elementSize);
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(source, name, "shape " + Arrays.toString(shape)
                    + " is too large to address", e);
        }
        if (end - begin != expectedBytes) {
            throw new CheckpointFormatException(source, name, "data_offsets " + Arrays.toString(offsets) + " span "
                    + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + expectedBytes);
        }
        if (end > dataLength) {
            throw new CheckpointFormatException(source, name, "data is truncated: it ends at byte " + end
                    + " of the data section, which has only " + dataLength + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longArray(String source, String tensor, String key, JsonNode node, int expectedLength) {
        if (node == null || !node.isArray() || (expectedLength >= 0 && node.size() != expectedLength)) {
            throw new CheckpointFormatException(source, tensor, key + " must be an array"
                    + (expectedLength >= 0 ? " of " + expectedLength + " integers" : " of integers") + ", was "
                    + node);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new CheckpointFormatException(source, tensor, key + "[" + i
                        + "] must be a non-negative integer, was " + v);
            }
            values[i] = v.asLong();
        }
        return values;
    }

    private static void checkNoOverlap(String source, Map<String, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.removeIf(e -> e.begin() == e.end());
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new CheckpointFormatException(source, cur.name(), "data_offsets [" + cur.begin() + ", "
                        + cur.end() + "] overlap those of " + prev.name() + " [" + prev.begin() + ", " + prev.end()
                        + "]");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }
}
