package dev.optinfleet.storage;

/**
 * The server refused the request for a reason that a retry does not change: wrong credentials, access denied, an
 * invalid bucket name, a malformed answer. Not retryable: fix the settings or the request.
 */
public final class StorageRequestException extends StorageException {

    public StorageRequestException(String message, S3Uri uri, Throwable cause) {
        super(message, uri, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
