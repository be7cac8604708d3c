package dev.optinfleet.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Retries object-storage work that failed transiently ({@link StorageUnavailableException}) with a
 * {@link RetryPolicy}'s exponential backoff, so that a storage hiccup does not fail a task or a job. Everything else
 * (a missing object, a refused request, a changed object) fails at once: retrying does not change it. Immutable and
 * thread-safe.
 *
 * <p>Two bounds: the policy's attempts, and optionally a deadline counted from the first attempt. With a deadline
 * ({@link #untilDeadline}) the work is retried for as long as the next wait still ends before the deadline, so an
 * outage of the storage server shorter than the deadline costs time, never the work (issue 16: four quick retries
 * failed jobs whose every score was in).
 */
public final class StorageRetry {
    private static final Logger LOG = LoggerFactory.getLogger(StorageRetry.class);

    /**
     * {@link RetryPolicy#STORAGE_DEFAULT} (4 attempts within 3.5 s), waiting with {@link Sleeper#SYSTEM}: for calls
     * that a caller waits on synchronously (a REST request), where minutes of retrying would be worse than an error.
     */
    public static final StorageRetry DEFAULT = new StorageRetry(RetryPolicy.STORAGE_DEFAULT);

    /** Default deadline of the background work of both applications (planning, outputs, a worker's downloads). */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);

    private final RetryPolicy policy;
    private final Duration deadline;
    private final Sleeper sleeper;
    private final LongSupplier nanoTime;

    public StorageRetry(RetryPolicy policy) {
        this(policy, Sleeper.SYSTEM);
    }

    public StorageRetry(RetryPolicy policy, Sleeper sleeper) {
        this(policy, null, sleeper, System::nanoTime);
    }

    private StorageRetry(RetryPolicy policy, Duration deadline, Sleeper sleeper, LongSupplier nanoTime) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.deadline = deadline;
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * Retries with the doubling backoff {@code initialBackoff .. maxBackoff} until {@code deadline} after the first
     * attempt has passed (no bound on the number of attempts).
     *
     * @param sleeper  how to wait (tests pass one that advances {@code nanoTime} instead)
     * @param nanoTime the clock the deadline is measured on ({@code System::nanoTime})
     */
    public static StorageRetry untilDeadline(Duration deadline, Duration initialBackoff, Duration maxBackoff,
                                             Sleeper sleeper, LongSupplier nanoTime) {
        return untilDeadline("optin.s3.retry", deadline, initialBackoff, maxBackoff, sleeper, nanoTime);
    }

    /** As {@link #untilDeadline(Duration, Duration, Duration, Sleeper, LongSupplier)}, errors naming the keys. */
    public static StorageRetry untilDeadline(String keyPrefix, Duration deadline, Duration initialBackoff,
                                             Duration maxBackoff, Sleeper sleeper, LongSupplier nanoTime) {
        if (deadline == null || deadline.isNegative()) {
            throw new IllegalArgumentException(keyPrefix + ".deadline must be >= 0, was " + deadline);
        }
        RetryPolicy backoff = RetryPolicy.doubling(keyPrefix, Integer.MAX_VALUE, initialBackoff, maxBackoff);
        return new StorageRetry(backoff, deadline, sleeper, nanoTime);
    }

    public RetryPolicy policy() {
        return policy;
    }

    /** How long after the first attempt the last one may start; null when only the attempts bound it. */
    public Duration deadline() {
        return deadline;
    }

    /**
     * The work's result, attempted while it fails transiently, up to {@link RetryPolicy#maxAttempts()} times and,
     * with a deadline, while the next wait ends before it.
     *
     * @param what what the work does, for logs and the final error ("stat s3://b/k", or just the URI)
     * @throws StorageUnavailableException "gave up on {what} after {n} attempts[ in {s} s]: {last error}",
     *                                     retryable still
     */
    public <T> T call(String what, Supplier<T> work) {
        long started = nanoTime.getAsLong();
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (StorageUnavailableException e) {
                Duration wait = attempt >= policy.maxAttempts() ? null : policy.backoffAfter(attempt);
                long elapsed = nanoTime.getAsLong() - started;
                if (wait != null && deadline != null && elapsed + wait.toNanos() > deadline.toNanos()) {
                    wait = null;
                }
                if (wait == null) {
                    String within = deadline == null ? "" : " in " + Duration.ofNanos(elapsed).toSeconds()
                            + " s (optin.s3.retry.deadline " + deadline + ")";
                    throw new StorageUnavailableException("gave up on " + what + " after " + attempt + " attempts"
                            + within + ": " + e.getMessage(), e.uri(), e);
                }
                LOG.warn("attempt {} to {} failed ({}); retrying in {} ms", attempt, what, e.getMessage(),
                        wait.toMillis());
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
