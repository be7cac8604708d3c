package dev.optinfleet.storage;

/**
 * The object is not the version a job pinned: its ETag changed since the job's inputs were read at planning (it was
 * overwritten mid-job). Not retryable: the pinned version is gone from the server, and scoring what is there now
 * would mix two versions in one job. The message names the object and both ETags.
 */
public final class ObjectChangedException extends StorageException {
    private final String expectedEtag;
    private final String foundEtag;

    public ObjectChangedException(S3Uri uri, String expectedEtag, String foundEtag) {
        super(uri + " changed during the job: expected ETag " + expectedEtag + " (read at planning), found "
                + foundEtag, uri, null);
        this.expectedEtag = expectedEtag;
        this.foundEtag = foundEtag;
    }

    public String expectedEtag() {
        return expectedEtag;
    }

    public String foundEtag() {
        return foundEtag;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
