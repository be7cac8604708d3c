package dev.optinfleet.core.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An open safetensors file whose tensors are read piece by piece: any run of elements of one tensor, converted to
 * float32, through one reusable buffer. What lets the slicer and the weights digest pass over a checkpoint larger
 * than the Java heap: memory is one buffer ({@link #BUFFER_BYTES}) plus what the caller asks for, never a tensor.
 *
 * <p>The header is validated as by {@link SafetensorsReader#readHeader}. Not thread-safe.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Bytes read from the file per call to the channel. */
    static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final SafetensorsReader.Header header;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);

    private SafetensorsFile(Path file, FileChannel channel, SafetensorsReader.Header header) {
        this.file = file;
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens and validates the header.
     *
     * @throws CheckpointFormatException naming the file and the header field at fault
     * @throws UncheckedIOException      when the file cannot be read
     */
    public static SafetensorsFile open(Path file) {
        SafetensorsReader.Header header = SafetensorsReader.readHeader(file);
        try {
            return new SafetensorsFile(file, FileChannel.open(file, StandardOpenOption.READ), header);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public SafetensorsReader.Header header() {
        return header;
    }

    /** The stored entry of that name. */
    public SafetensorsReader.Entry entry(String storedName) {
        SafetensorsReader.Entry e = header.entries().get(storedName);
        if (e == null) {
            throw new CheckpointFormatException(file.toString(), storedName, "tensor is missing");
        }
        return e;
    }

    /**
     * Reads elements {@code [first, first + length)} of the tensor (row-major) as float32 into
     * {@code dst[offset ..]}.
     *
     * @throws CheckpointFormatException when the tensor's dtype cannot be read as float32 or the run is outside it
     */
    public void read(SafetensorsReader.Entry entry, long first, float[] dst, int offset, int length) {
        TensorDtype dtype = TensorDtype.fromSafetensorsName(entry.dtype()).orElseThrow(() ->
                new CheckpointFormatException(file.toString(), entry.name(), "dtype " + entry.dtype()
                        + " is not supported; only F32, F16, BF16 and F64 tensors can be read as float32"));
        if (first < 0 || length < 0 || first + length > entry.elementCount()) {
            throw new IllegalArgumentException("elements [" + first + ", " + (first + length) + ") are outside "
                    + entry.name() + " of " + entry.elementCount());
        }
        int size = dtype.byteSize();
        int perRead = BUFFER_BYTES / size;
        long position = header.dataStart() + entry.begin() + first * size;
        float[] part = null;
        try {
            for (int done = 0; done < length; ) {
                int n = Math.min(perRead, length - done);
                buffer.clear().limit(n * size);
                long at = position + (long) done * size;
                while (buffer.hasRemaining()) {
                    int r = channel.read(buffer, at);
                    if (r < 0) {
                        throw new CheckpointFormatException(file.toString(), entry.name(),
                                "data is truncated at byte " + at);
                    }
                    at += r;
                }
                buffer.flip();
                if (offset == 0 && done == 0 && n == dst.length) {
                    dtype.decode(buffer, dst);
                } else {
                    if (part == null || part.length != n) {
                        part = new float[n];
                    }
                    dtype.decode(buffer, part);
                    System.arraycopy(part, 0, dst, offset + done, n);
                }
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + entry.name() + " from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
