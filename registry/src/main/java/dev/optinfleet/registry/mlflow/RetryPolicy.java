package dev.optinfleet.registry.mlflow;

import java.time.Duration;

/**
 * Bounded exponential backoff for transient MLflow failures (5xx, 429, connection errors): attempt {@code n}
 * (1-based) that fails waits {@code min(initialBackoff * multiplier^(n-1), maxBackoff)} before attempt {@code n+1};
 * after {@code maxAttempts} attempts the failure is reported. Immutable.
 *
 * @param maxAttempts    attempts in all, >= 1 (1 = no retry)
 * @param initialBackoff wait after the first failure, > 0
 * @param multiplier     growth per failure, >= 1
 * @param maxBackoff     cap on one wait, >= initialBackoff
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff) {

    /** 5 attempts, waiting 0.5 s, 1 s, 2 s, 4 s. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(500), 2.0, Duration.ofSeconds(10));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (initialBackoff == null || initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("initialBackoff must be positive, was " + initialBackoff);
        }
        if (!(multiplier >= 1) || !Double.isFinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be finite and >= 1, was " + multiplier);
        }
        if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be >= initialBackoff = " + initialBackoff + ", was "
                    + maxBackoff);
        }
    }

    /** The wait after failed attempt {@code attempt} (1-based). */
    public Duration backoff(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, attempt - 1);
        return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis(Math.round(millis));
    }
}
