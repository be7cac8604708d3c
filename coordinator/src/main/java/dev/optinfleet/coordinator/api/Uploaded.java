package dev.optinfleet.coordinator.api;

/**
 * The answer to {@code PUT /uploads/{bucket}/{key}}.
 *
 * @param uri  {@code s3://bucket/key} of the object written
 * @param etag its entity tag (the content version a checkpoint event names)
 * @param size its length in bytes
 */
public record Uploaded(String uri, String etag, long size) {
}
