package dev.optinfleet.storage;

/**
 * A failed object-storage operation, typed by what the caller can do: {@link #isRetryable()} says whether the same
 * request may succeed later ({@link StorageUnavailableException}) or will fail again until something changes
 * ({@link ObjectNotFoundException}, {@link StorageRequestException}). Unchecked, so that retry policies
 * ({@code @Retry(retryOn = StorageUnavailableException.class)}) can select on the type.
 */
public abstract sealed class StorageException extends RuntimeException
        permits ObjectNotFoundException, StorageUnavailableException, StorageRequestException,
        ObjectChangedException {

    private final S3Uri uri;

    protected StorageException(String message, S3Uri uri, Throwable cause) {
        super(message, cause);
        this.uri = uri;
    }

    /** The object or bucket the operation was about; null when it was not about one (e.g. listing buckets). */
    public S3Uri uri() {
        return uri;
    }

    /** Whether repeating the same request later may succeed. */
    public abstract boolean isRetryable();
}
