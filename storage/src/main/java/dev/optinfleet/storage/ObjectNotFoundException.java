package dev.optinfleet.storage;

/** The object, or its bucket, does not exist. Not retryable: write the object first or fix the URI. */
public final class ObjectNotFoundException extends StorageException {

    public ObjectNotFoundException(S3Uri uri, String detail, Throwable cause) {
        super("object not found: " + uri + " (" + detail + "); check the URI or upload the object first", uri, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
