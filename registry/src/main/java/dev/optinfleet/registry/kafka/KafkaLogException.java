package dev.optinfleet.registry.kafka;

/**
 * A failed read or write of a {@link CompactedLog}, typed by what the caller can do: {@link Unavailable} (the broker
 * did not answer in time or failed transiently: retry later) or {@link Fenced} (another instance opened the log with
 * the same transactional id: stop writing), or {@link Misconfigured} (the topic is missing: fix the deployment).
 */
public abstract sealed class KafkaLogException extends RuntimeException {

    private KafkaLogException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same call may succeed later. */
    public abstract boolean isRetryable();

    /** The broker did not answer in time or failed transiently. Retryable. */
    public static final class Unavailable extends KafkaLogException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean isRetryable() {
            return true;
        }
    }

    /** A newer instance with the same transactional id took over writing. Not retryable. */
    public static final class Fenced extends KafkaLogException {
        public Fenced(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean isRetryable() {
            return false;
        }
    }

    /** The topic does not exist or cannot be used. Not retryable until the deployment is fixed. */
    public static final class Misconfigured extends KafkaLogException {
        public Misconfigured(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean isRetryable() {
            return false;
        }
    }
}
