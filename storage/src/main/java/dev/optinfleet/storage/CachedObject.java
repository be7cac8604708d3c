package dev.optinfleet.storage;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cached object's local file, pinned in its {@link ObjectCache} until {@link #close()}: read the file inside a
 * try-with-resources block; after closing, the cache may delete it at any time. Closing twice is harmless.
 */
public final class CachedObject implements AutoCloseable {

    private final S3Uri uri;
    private final String etag;
    private final Path path;
    private final long size;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();

    CachedObject(S3Uri uri, String etag, Path path, long size, Runnable release) {
        this.uri = uri;
        this.etag = etag;
        this.path = path;
        this.size = size;
        this.release = release;
    }

    public S3Uri uri() {
        return uri;
    }

    /** The ETag of the version in {@link #path()}. */
    public String etag() {
        return etag;
    }

    /** The complete local copy; read-only by convention, shared with other callers. */
    public Path path() {
        return path;
    }

    public long size() {
        return size;
    }

    /** Unpins the file so that the cache may evict it. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }

    @Override
    public String toString() {
        return "CachedObject[" + uri + ", etag=" + etag + ", " + size + " bytes at " + path + "]";
    }
}
