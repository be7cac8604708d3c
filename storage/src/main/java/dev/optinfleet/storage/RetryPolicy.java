package dev.optinfleet.storage;

import java.time.Duration;

/**
 * Bounded retry with exponential backoff, for every remote call of the fleet that may fail transiently (object
 * storage, MLflow): at most {@code maxAttempts} attempts; failed attempt {@code n} (1-based) waits
 * {@code min(initialBackoff · multiplier^(n-1), maxBackoff)} before attempt {@code n+1}. Immutable.
 *
 * @param maxAttempts    attempts in all, >= 1 (1 = no retry)
 * @param initialBackoff wait after the first failure, >= 0
 * @param multiplier     growth per failure, finite and >= 1
 * @param maxBackoff     cap on one wait, >= initialBackoff
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff) {

    /**
     * The quick retry of storage calls a caller waits on synchronously (REST requests): 4 attempts, waiting 0.5 s,
     * 1 s, 2 s. Background work retries to a deadline instead ({@link StorageRetry#untilDeadline}).
     */
    public static final RetryPolicy STORAGE_DEFAULT = new RetryPolicy(4, Duration.ofMillis(500), 2.0,
            Duration.ofSeconds(10));

    public RetryPolicy {
        check(maxAttempts, initialBackoff, multiplier, maxBackoff, "maxAttempts", "initialBackoff", "maxBackoff");
    }

    /**
     * A doubling policy from configuration, whose errors name the keys {@code <prefix>.max-attempts},
     * {@code <prefix>.initial-backoff} and {@code <prefix>.max-backoff}.
     *
     * @param keyPrefix {@code optin.worker.retry}, say
     */
    public static RetryPolicy doubling(String keyPrefix, int maxAttempts, Duration initialBackoff,
                                       Duration maxBackoff) {
        check(maxAttempts, initialBackoff, 2.0, maxBackoff, keyPrefix + ".max-attempts",
                keyPrefix + ".initial-backoff", keyPrefix + ".max-backoff");
        return new RetryPolicy(maxAttempts, initialBackoff, 2.0, maxBackoff);
    }

    /** The wait after failed attempt {@code failedAttempt} (1-based). */
    public Duration backoffAfter(int failedAttempt) {
        if (failedAttempt < 1) {
            throw new IllegalArgumentException("failedAttempt must be >= 1, was " + failedAttempt);
        }
        // In doubles: initialBackoff · multiplier^59 overflows a long, and then the cap applies anyway.
        double nanos = initialBackoff.toNanos() * Math.pow(multiplier, failedAttempt - 1);
        return nanos >= maxBackoff.toNanos() ? maxBackoff : Duration.ofNanos(Math.round(nanos));
    }

    private static void check(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
                              String attemptsName, String initialName, String maxName) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException(attemptsName + " must be >= 1, was " + maxAttempts);
        }
        if (initialBackoff == null || initialBackoff.isNegative()) {
            throw new IllegalArgumentException(initialName + " must be >= 0, was " + initialBackoff);
        }
        if (!(multiplier >= 1) || !Double.isFinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be finite and >= 1, was " + multiplier);
        }
        if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(maxName + " must be >= " + initialName + " (" + initialBackoff
                    + "), was " + maxBackoff);
        }
    }
}
