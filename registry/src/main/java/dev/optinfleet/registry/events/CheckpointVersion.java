package dev.optinfleet.registry.events;

import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.events.ProcessedCheckpoint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One version of a checkpoint: its weights object and that object's ETag. Two events about the same version (the
 * config.json and the weights of one upload, a redelivered message, a replayed topic) have the same
 * {@link #key()} and the same {@link #jobId()}.
 *
 * @param bucket     the bucket
 * @param weightsKey key of the weights ({@code .../model.safetensors} or the {@code .onnx} file)
 * @param etag       the weights' entity tag
 */
public record CheckpointVersion(String bucket, String weightsKey, String etag) {

    public CheckpointVersion {
        Checks.required("bucket", bucket);
        Checks.required("weights_key", weightsKey);
        Checks.required("etag", etag);
    }

    /** {@code bucket/weights-key@etag}: the ledger key. */
    public String key() {
        return ProcessedCheckpoint.key(bucket, weightsKey, etag);
    }

    /**
     * The job id this version starts: {@code ckpt-} and 16 hex digits of SHA-256 over {@link #key()}. The same
     * version always gives the same id, so even a start that slips past the ledger names the same job.
     */
    public String jobId() {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key().getBytes(StandardCharsets.UTF_8));
            return "ckpt-" + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
