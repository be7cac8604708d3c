package dev.optinfleet.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What the server says about one object.
 *
 * @param uri          the object
 * @param etag         entity tag without quotes; changes whenever the content changes (MD5 of the content for
 *                     single-part uploads)
 * @param size         content length in bytes
 * @param lastModified last modification time as reported by the server
 * @param userMetadata user metadata ({@code x-amz-meta-*}) with keys in lower case, since servers differ in case
 *                     (s3proxy capitalises them); empty in listings
 */
public record ObjectInfo(S3Uri uri, String etag, long size, Instant lastModified, Map<String, String> userMetadata) {

    public ObjectInfo {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size + " for " + uri);
        }
        userMetadata = Map.copyOf(userMetadata);
    }
}
