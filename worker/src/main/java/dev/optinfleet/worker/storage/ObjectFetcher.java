package dev.optinfleet.worker.storage;

import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectNotFoundException;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import dev.optinfleet.storage.StorageUnavailableException;
import dev.optinfleet.worker.config.WorkerSettings;
import jakarta.inject.Singleton;

import java.util.function.Supplier;

/**
 * Reads objects through the {@link ObjectCache}, retrying transient storage failures
 * ({@link StorageUnavailableException}) with the configured bounded backoff ({@link StorageRetry}). Everything else
 * (a missing object, a refused request) fails at once: retrying does not change it. Thread-safe.
 */
@Singleton
public class ObjectFetcher {
    private final ObjectStore store;
    private final ObjectCache cache;
    private final StorageRetry retry;

    public ObjectFetcher(ObjectStore store, ObjectCache cache, WorkerSettings settings) {
        this.store = store;
        this.cache = cache;
        this.retry = new StorageRetry(settings.retry());
    }

    /**
     * What the server says about the object now (its ETag above all), without downloading it.
     *
     * @throws ObjectNotFoundException     when it does not exist (not retried)
     * @throws StorageUnavailableException after {@code optin.worker.retry.max-attempts} transient failures
     */
    public ObjectInfo stat(S3Uri uri) {
        return withRetry(uri, () -> store.stat(uri));
    }

    /**
     * The object's version with this ETag as a pinned local file, downloaded on a cache miss; close it when done.
     *
     * @throws ObjectNotFoundException     when it does not exist (not retried)
     * @throws StorageUnavailableException after {@code optin.worker.retry.max-attempts} transient failures
     */
    public CachedObject fetch(S3Uri uri, String etag) {
        return withRetry(uri, () -> cache.fetch(uri, etag));
    }

    private <T> T withRetry(S3Uri uri, Supplier<T> call) {
        return retry.call(uri.toString(), call);
    }

    public ObjectCache cache() {
        return cache;
    }
}
