package dev.optinfleet.worker.storage;

import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectChangedException;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectNotFoundException;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import dev.optinfleet.storage.StorageUnavailableException;
import jakarta.inject.Singleton;

import java.util.function.Supplier;

/**
 * Reads objects through the {@link ObjectCache}, retrying transient storage failures
 * ({@link StorageUnavailableException}) with the application's {@link StorageRetry} (doubling backoff until
 * {@code optin.s3.retry.deadline}), so that a storage outage shorter than the deadline delays a task instead of
 * failing it. Everything else (a missing object, a refused request, a changed object) fails at once: retrying does
 * not change it. Thread-safe.
 */
@Singleton
public class ObjectFetcher {
    private final ObjectStore store;
    private final ObjectCache cache;
    private final StorageRetry retry;

    public ObjectFetcher(ObjectStore store, ObjectCache cache, StorageRetry retry) {
        this.store = store;
        this.cache = cache;
        this.retry = retry;
    }

    /**
     * What the server says about the object now (its ETag above all), without downloading it.
     *
     * @throws ObjectNotFoundException     when it does not exist (not retried)
     * @throws StorageUnavailableException once the retry deadline passed
     */
    public ObjectInfo stat(S3Uri uri) {
        return withRetry(uri, () -> store.stat(uri));
    }

    /**
     * Exactly the object's version with this ETag as a pinned local file, downloaded on a cache miss; close it when
     * done. A worker scores what the job pinned or nothing: another version (the object was overwritten since the
     * job was planned) fails the task, naming the object and both ETags.
     *
     * @throws ObjectNotFoundException     when it does not exist (not retried)
     * @throws ObjectChangedException      when the server holds another version (not retried)
     * @throws StorageUnavailableException once the retry deadline passed
     */
    public CachedObject fetch(S3Uri uri, String etag) {
        return withRetry(uri, () -> cache.fetchExact(uri, etag));
    }

    private <T> T withRetry(S3Uri uri, Supplier<T> call) {
        return retry.call(uri.toString(), call);
    }

    public ObjectCache cache() {
        return cache;
    }
}
