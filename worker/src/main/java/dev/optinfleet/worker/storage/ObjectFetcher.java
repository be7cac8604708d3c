package dev.optinfleet.worker.storage;

import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectNotFoundException;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageUnavailableException;
import dev.optinfleet.worker.config.RetryPolicy;
import dev.optinfleet.worker.config.WorkerSettings;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Reads objects through the {@link ObjectCache}, retrying transient storage failures
 * ({@link StorageUnavailableException}) with the configured bounded backoff. Everything else (a missing object, a
 * refused request) fails at once: retrying does not change it. Thread-safe.
 */
@Singleton
public class ObjectFetcher {
    private static final Logger LOG = Logger.getLogger(ObjectFetcher.class);

    private final ObjectStore store;
    private final ObjectCache cache;
    private final RetryPolicy retry;

    public ObjectFetcher(ObjectStore store, ObjectCache cache, WorkerSettings settings) {
        this.store = store;
        this.cache = cache;
        this.retry = settings.retry();
    }

    /**
     * What the server says about the object now (its ETag above all), without downloading it.
     *
     * @throws ObjectNotFoundException     when it does not exist (not retried)
     * @throws StorageUnavailableException after {@link RetryPolicy#maxAttempts()} transient failures
     */
    public ObjectInfo stat(S3Uri uri) {
        return withRetry(uri, () -> store.stat(uri));
    }

    /**
     * The object's version with this ETag as a pinned local file, downloaded on a cache miss; close it when done.
     *
     * @throws ObjectNotFoundException     when it does not exist (not retried)
     * @throws StorageUnavailableException after {@link RetryPolicy#maxAttempts()} transient failures
     */
    public CachedObject fetch(S3Uri uri, String etag) {
        return withRetry(uri, () -> cache.fetch(uri, etag));
    }

    private <T> T withRetry(S3Uri uri, Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (StorageUnavailableException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw new StorageUnavailableException("gave up on " + uri + " after " + attempt + " attempts: "
                            + e.getMessage(), uri, e);
                }
                Duration wait = retry.backoffAfter(attempt);
                LOG.warnf("attempt %d of %d to read %s failed (%s); retrying in %d ms", attempt,
                        retry.maxAttempts(), uri, e.getMessage(), wait.toMillis());
                pause(wait, uri);
            }
        }
    }

    public ObjectCache cache() {
        return cache;
    }

    private static void pause(Duration wait, S3Uri uri) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageUnavailableException("interrupted while waiting to retry " + uri, uri, e);
        }
    }
}
