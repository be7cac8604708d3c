package dev.optinfleet.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Retries object-storage work that failed transiently ({@link StorageUnavailableException}) with a
 * {@link RetryPolicy}, so that a storage hiccup does not fail a task or a job. Everything else (a missing object, a
 * refused request) fails at once: retrying does not change it. Immutable and thread-safe.
 */
public final class StorageRetry {
    private static final Logger LOG = LoggerFactory.getLogger(StorageRetry.class);

    /** {@link RetryPolicy#STORAGE_DEFAULT}, waiting with {@link Sleeper#SYSTEM}: what the coordinator uses. */
    public static final StorageRetry DEFAULT = new StorageRetry(RetryPolicy.STORAGE_DEFAULT);

    private final RetryPolicy policy;
    private final Sleeper sleeper;

    public StorageRetry(RetryPolicy policy) {
        this(policy, Sleeper.SYSTEM);
    }

    public StorageRetry(RetryPolicy policy, Sleeper sleeper) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    public RetryPolicy policy() {
        return policy;
    }

    /**
     * The work's result, attempted up to {@link RetryPolicy#maxAttempts()} times while it fails transiently.
     *
     * @param what what the work does, for logs and the final error ("stat s3://b/k", or just the URI)
     * @throws StorageUnavailableException "gave up on {what} after {n} attempts: {last error}", retryable still
     */
    public <T> T call(String what, Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (StorageUnavailableException e) {
                if (attempt >= policy.maxAttempts()) {
                    throw new StorageUnavailableException("gave up on " + what + " after " + attempt + " attempts: "
                            + e.getMessage(), e.uri(), e);
                }
                var wait = policy.backoffAfter(attempt);
                LOG.warn("attempt {} of {} to {} failed ({}); retrying in {} ms", attempt, policy.maxAttempts(), what,
                        e.getMessage(), wait.toMillis());
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    StorageUnavailableException interrupted = new StorageUnavailableException(
                            "interrupted while waiting to retry " + what, e.uri(), ie);
                    interrupted.addSuppressed(e);
                    throw interrupted;
                }
            }
        }
    }
}
