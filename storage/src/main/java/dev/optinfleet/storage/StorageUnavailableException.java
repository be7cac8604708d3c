package dev.optinfleet.storage;

/**
 * The storage server could not be reached or answered with a transient error (connection refused or reset,
 * timeout, 5xx, throttling, a download cut short). Retryable, with backoff.
 */
public final class StorageUnavailableException extends StorageException {

    public StorageUnavailableException(String message, S3Uri uri, Throwable cause) {
        super(message, uri, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
