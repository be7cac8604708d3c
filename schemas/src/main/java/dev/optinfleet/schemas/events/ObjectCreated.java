package dev.optinfleet.schemas.events;

import dev.optinfleet.schemas.Checks;

/**
 * One object written to a bucket, as a bucket notification reports it.
 *
 * @param bucket    the bucket name
 * @param key       the object key, URL-decoded (the notification carries it URL-encoded, {@code +} for a space)
 * @param size      content length in bytes, >= 0
 * @param eTag      entity tag without quotes; identifies the content version
 * @param eventName the event type in the {@code s3:} form both MinIO and AWS configure, e.g.
 *                  {@code s3:ObjectCreated:Put} or {@code s3:ObjectCreated:CompleteMultipartUpload}
 */
public record ObjectCreated(String bucket, String key, long size, String eTag, String eventName) {

    /** Prefix of every event name this record carries. */
    public static final String EVENT_PREFIX = "s3:ObjectCreated:";

    public ObjectCreated {
        Checks.required("bucket", bucket);
        Checks.required("key", key);
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("key must not start with '/', was '" + key + "'");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size + " for " + bucket + "/" + key);
        }
        Checks.required("eTag", eTag);
        eTag = unquote(eTag);
        Checks.required("eTag", eTag);
        Checks.required("eventName", eventName);
        if (!eventName.startsWith(EVENT_PREFIX)) {
            throw new IllegalArgumentException("eventName must start with " + EVENT_PREFIX + ", was '" + eventName
                    + "'");
        }
    }

    /** A {@code s3:ObjectCreated:Put} event. */
    public static ObjectCreated put(String bucket, String key, long size, String eTag) {
        return new ObjectCreated(bucket, key, size, eTag, EVENT_PREFIX + "Put");
    }

    /** {@code s3://bucket/key}. */
    public String uri() {
        return "s3://" + bucket + "/" + key;
    }

    /** The key up to and including its last {@code /}; empty for an object at the bucket root. */
    public String folder() {
        return key.substring(0, key.lastIndexOf('/') + 1);
    }

    /** The key after its last {@code /}, e.g. {@code config.json}. */
    public String fileName() {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    static String unquote(String etag) {
        return etag.replace("\"", "");
    }
}
