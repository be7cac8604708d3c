package dev.optinfleet.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * A local-disk cache of objects keyed by (URI, ETag), bounded by total bytes with least-recently-used eviction.
 * Workers use it for checkpoints and calibration shards that many tasks read.
 *
 * <p>{@link #fetch(S3Uri)} asks the server for the current ETag (a HEAD request) and returns the cached file of that
 * version, downloading it first on a miss. A changed object has a new ETag, hence a new entry; the old one ages out.
 * {@link #fetch(S3Uri, String)} skips the HEAD when the caller already knows the ETag (e.g. from a bucket event);
 * {@link #fetchExact} also refuses any other version, for a job that pinned its inputs' ETags at planning.
 *
 * <p>Files are {@code <directory>/<sha256(uri, etag)>.obj}, downloaded to a {@code .part} file and renamed into
 * place atomically, so a file under its final name is always complete. Entries left by an earlier run are adopted
 * at construction (oldest first in LRU order) and stale {@code .part} files deleted.
 *
 * <p>Concurrency: safe for many threads of one JVM. Concurrent fetches of the same (URI, ETag) download once; the
 * other callers wait for that download. A returned {@link CachedObject} pins its file until closed: pinned entries
 * are never evicted, so the total may exceed the bound while more than the bound is pinned. One JVM per directory:
 * two processes sharing a directory would evict each other's files.
 *
 * <p>Counters: a hit is a fetch served without downloading (including waiting for another thread's download); a
 * miss is a fetch that downloaded.
 */
public final class ObjectCache {

    private static final String SUFFIX = ".obj";
    private static final String PARTIAL_SUFFIX = ".part";

    private final ObjectStore store;
    private final Path directory;
    private final long maxBytes;

    private final Object lock = new Object();
    /** Access-ordered: iteration starts at the least recently used entry. Guarded by {@link #lock}. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** Downloads under way, by entry id. Guarded by {@link #lock}. */
    private final Map<String, CompletableFuture<Entry>> inFlight = new HashMap<>();
    private long totalBytes;
    private long hits;
    private long misses;
    private long evictions;

    /**
     * @param store     where objects come from
     * @param directory the cache directory, created if missing, owned by this cache
     * @param maxBytes  bound on the total size of unpinned cached files, > 0
     */
    public ObjectCache(ObjectStore store, Path directory, long maxBytes) {
        this.store = Objects.requireNonNull(store, "store");
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(this.directory);
            adoptExisting();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the object cache directory " + this.directory, e);
        }
        synchronized (lock) {
            evictIfNeeded();
        }
    }

    /**
     * The current version of the object as a local file, downloaded if not cached.
     *
     * @throws ObjectNotFoundException    when the object does not exist
     * @throws StorageUnavailableException when the server cannot be reached (retryable)
     */
    public CachedObject fetch(S3Uri uri) {
        ObjectInfo current = store.stat(uri);
        return fetch(uri, current.etag());
    }

    /**
     * The object's version with the given ETag as a local file, without asking the server when it is cached. On a
     * miss the current content is downloaded; if the object changed meanwhile, the result carries the new ETag:
     * compare {@link CachedObject#etag()} when the exact version matters.
     */
    public CachedObject fetch(S3Uri uri, String etag) {
        uri.requireObject();
        if (etag == null || etag.isBlank()) {
            throw new IllegalArgumentException("etag must not be blank for " + uri);
        }
        String id = id(uri, etag);
        while (true) {
            CompletableFuture<Entry> download;
            boolean downloader = false;
            synchronized (lock) {
                Entry cached = entries.get(id);
                if (cached != null) {
                    hits++;
                    return pin(uri, etag, cached);
                }
                download = inFlight.get(id);
                if (download == null) {
                    download = new CompletableFuture<>();
                    inFlight.put(id, download);
                    downloader = true;
                    misses++;
                } else {
                    hits++;
                }
            }
            if (downloader) {
                return downloadAndPin(uri, id, download);
            }
            Entry downloaded = await(download);
            synchronized (lock) {
                Entry cached = entries.get(downloaded.id);
                if (cached != null) {
                    return pin(uri, downloaded.etag, cached);
                }
                // Evicted between the download and now (only when more than the bound is pinned): fetch again.
                hits--;
            }
        }
    }

    /**
     * Exactly the version with this ETag: as {@link #fetch(S3Uri, String)}, but when the server holds another
     * version (the object was overwritten and the pinned one is not cached), the downloaded file is kept for what it
     * is and this fails instead of returning it.
     *
     * @throws ObjectChangedException naming the object, the expected and the found ETag
     */
    public CachedObject fetchExact(S3Uri uri, String etag) {
        CachedObject found = fetch(uri, etag);
        if (!found.etag().equals(etag)) {
            found.close();
            throw new ObjectChangedException(uri, etag, found.etag());
        }
        return found;
    }

    /** A snapshot of the counters and occupancy. */
    public Stats stats() {
        synchronized (lock) {
            return new Stats(hits, misses, evictions, totalBytes, entries.size(), maxBytes);
        }
    }

    public long hits() {
        synchronized (lock) {
            return hits;
        }
    }

    public long misses() {
        synchronized (lock) {
            return misses;
        }
    }

    public Path directory() {
        return directory;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Counters and occupancy at one moment.
     *
     * @param hits      fetches served without downloading
     * @param misses    fetches that downloaded
     * @param evictions entries removed to stay under the bound
     * @param bytes     total size of cached files
     * @param entries   number of cached files
     * @param maxBytes  the bound
     */
    public record Stats(long hits, long misses, long evictions, long bytes, int entries, long maxBytes) {
    }

    private CachedObject downloadAndPin(S3Uri uri, String requestedId, CompletableFuture<Entry> download) {
        Path partial = directory.resolve(requestedId + "." + UUID.randomUUID() + PARTIAL_SUFFIX);
        try {
            ObjectInfo info = store.download(uri, partial);
            String id = id(uri, info.etag());
            Path file = directory.resolve(id + SUFFIX);
            CachedObject pinned;
            Entry entry;
            synchronized (lock) {
                entry = entries.get(id);
                if (entry == null) {
                    ObjectStore.moveAtomically(partial, file);
                    entry = new Entry(id, info.etag(), file, info.size());
                    entries.put(id, entry);
                    totalBytes += entry.size;
                }
                pinned = pin(uri, info.etag(), entry);
                inFlight.remove(requestedId);
                evictIfNeeded();
            }
            download.complete(entry);
            return pinned;
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("cannot store " + uri + " in the cache at "
                    + directory, e);
            fail(requestedId, download, failure);
            throw failure;
        } catch (RuntimeException e) {
            fail(requestedId, download, e);
            throw e;
        } finally {
            ObjectStore.deleteQuietly(partial);
        }
    }

    private void fail(String requestedId, CompletableFuture<Entry> download, RuntimeException failure) {
        synchronized (lock) {
            inFlight.remove(requestedId);
        }
        download.completeExceptionally(failure);
    }

    private static Entry await(CompletableFuture<Entry> download) {
        try {
            return download.get();
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("download failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for another thread's download", e);
        }
    }

    /** Caller holds {@link #lock}. */
    private CachedObject pin(S3Uri uri, String etag, Entry entry) {
        entry.pins++;
        return new CachedObject(uri, etag, entry.file, entry.size, () -> release(entry));
    }

    private void release(Entry entry) {
        synchronized (lock) {
            entry.pins--;
            evictIfNeeded();
        }
    }

    /** Removes least recently used unpinned entries until the total fits the bound. Caller holds {@link #lock}. */
    private void evictIfNeeded() {
        Iterator<Entry> oldestFirst = entries.values().iterator();
        while (totalBytes > maxBytes && oldestFirst.hasNext()) {
            Entry entry = oldestFirst.next();
            if (entry.pins > 0) {
                continue;
            }
            oldestFirst.remove();
            totalBytes -= entry.size;
            evictions++;
            ObjectStore.deleteQuietly(entry.file);
        }
    }

    private void adoptExisting() throws IOException {
        List<Path> adopted = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(PARTIAL_SUFFIX)) {
                    ObjectStore.deleteQuietly(file);
                } else if (name.endsWith(SUFFIX) && Files.isRegularFile(file)) {
                    adopted.add(file);
                }
            }
        }
        adopted.sort(Comparator.comparing(ObjectCache::modifiedTime));
        synchronized (lock) {
            for (Path file : adopted) {
                String name = file.getFileName().toString();
                String id = name.substring(0, name.length() - SUFFIX.length());
                long size = Files.size(file);
                entries.put(id, new Entry(id, null, file, size));
                totalBytes += size;
            }
        }
    }

    private static FileTime modifiedTime(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** Hex SHA-256 of the URI and ETag: a file name that is safe whatever characters the key holds. */
    static String id(S3Uri uri, String etag) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(uri.toString().getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) 0);
            sha256.update(etag.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** One cached file. Mutable fields guarded by the cache's lock. */
    private static final class Entry {
        final String id;
        /** Null for entries adopted from an earlier run: the id is all that is known of them. */
        final String etag;
        final Path file;
        final long size;
        int pins;

        Entry(String id, String etag, Path file, long size) {
            this.id = id;
            this.etag = etag;
            this.file = file;
            this.size = size;
        }
    }
}
