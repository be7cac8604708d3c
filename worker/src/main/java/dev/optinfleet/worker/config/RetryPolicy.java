package dev.optinfleet.worker.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounded retry with exponential backoff: at most {@code maxAttempts} attempts, waiting
 * {@code min(initialBackoff · 2^(n-1), maxBackoff)} after the n-th failure.
 *
 * @param maxAttempts    attempts in all, >= 1
 * @param initialBackoff wait after the first failure, >= 0
 * @param maxBackoff     cap on one wait, >= initialBackoff
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("optin.worker.retry.max-attempts must be >= 1, was " + maxAttempts);
        }
        if (initialBackoff.isNegative()) {
            throw new IllegalArgumentException("optin.worker.retry.initial-backoff must be >= 0, was "
                    + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("optin.worker.retry.max-backoff must be >= initial-backoff ("
                    + initialBackoff + "), was " + maxBackoff);
        }
    }

    /** The wait after the given failed attempt (1-based). */
    public Duration backoffAfter(int failedAttempt) {
        if (failedAttempt < 1) {
            throw new IllegalArgumentException("failedAttempt must be >= 1, was " + failedAttempt);
        }
        Duration wait = initialBackoff;
        for (int i = 1; i < failedAttempt && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
