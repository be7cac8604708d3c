package dev.optinfleet.schemas.events;

import dev.optinfleet.schemas.Checks;

/**
 * A checkpoint version that started a job, on {@link dev.optinfleet.schemas.Topics#PROCESSED_CHECKPOINTS} (key {@link #key()}).
 *
 * @param schemaVersion {@value #SCHEMA_VERSION}
 * @param bucket        the checkpoint's bucket
 * @param weightsKey    key of its weights object ({@code model.safetensors} or the {@code .onnx} file)
 * @param etag          entity tag of the weights: the version
 * @param jobId         the job it started
 * @param claimedAt     epoch milliseconds
 */
public record ProcessedCheckpoint(int schemaVersion, String bucket, String weightsKey, String etag, String jobId,
                                  long claimedAt) {
    public static final int SCHEMA_VERSION = 1;

    public ProcessedCheckpoint {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("bucket", bucket);
        Checks.required("weights_key", weightsKey);
        Checks.required("etag", etag);
        Checks.required("job_id", jobId);
    }

    /** {@code bucket/weights-key@etag}. */
    public String key() {
        return key(bucket, weightsKey, etag);
    }

    public static String key(String bucket, String weightsKey, String etag) {
        return bucket + "/" + weightsKey + "@" + etag;
    }
}
