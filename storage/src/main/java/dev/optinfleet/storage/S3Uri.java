package dev.optinfleet.storage;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An object (or key prefix) in S3-compatible storage, written {@code s3://bucket/key}.
 *
 * <p>The bucket follows S3's naming rules (3-63 characters of lower-case letters, digits, dots and hyphens, starting
 * and ending with a letter or digit). The key is kept as written, without a leading slash; it may be empty, which
 * names the bucket root as a prefix for {@link ObjectStore#list(S3Uri)}. Operations on one object require a
 * non-empty key ({@link #requireObject()}).
 *
 * @param bucket the bucket name
 * @param key    the object key or prefix, never starting with {@code /}; empty for the bucket root
 */
public record S3Uri(String bucket, String key) {

    public static final String SCHEME = "s3://";

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final int MAX_KEY_BYTES = 1024;

    public S3Uri {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("invalid bucket name '" + bucket + "': S3 bucket names have 3-63 "
                    + "characters of a-z, 0-9, '.' and '-', and start and end with a letter or digit");
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("object key must not start with '/', was '" + key + "' in bucket "
                    + bucket);
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("object key longer than " + MAX_KEY_BYTES + " bytes in bucket "
                    + bucket + ": '" + key.substring(0, 40) + "...'");
        }
    }

    /**
     * Parses {@code s3://bucket/key}; {@code s3://bucket} and {@code s3://bucket/} name the bucket root.
     *
     * @throws IllegalArgumentException naming the value when it is not an S3 URI or its parts are invalid
     */
    public static S3Uri parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("S3 URI must not be null");
        }
        if (!value.startsWith(SCHEME)) {
            throw new IllegalArgumentException("not an S3 URI, expected s3://bucket/key: '" + value + "'");
        }
        String rest = value.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("S3 URI has no bucket, expected s3://bucket/key: '" + value + "'");
        }
        try {
            return new S3Uri(bucket, key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid S3 URI '" + value + "': " + e.getMessage(), e);
        }
    }

    public static S3Uri of(String bucket, String key) {
        return new S3Uri(bucket, key);
    }

    /** This URI with {@code child} appended to the key, joined by exactly one {@code /}. */
    public S3Uri resolve(String child) {
        Objects.requireNonNull(child, "child");
        String trimmed = child.startsWith("/") ? child.substring(1) : child;
        if (key.isEmpty()) {
            return new S3Uri(bucket, trimmed);
        }
        return new S3Uri(bucket, key.endsWith("/") ? key + trimmed : key + "/" + trimmed);
    }

    /** Whether the key names an object rather than the bucket root. */
    public boolean isObject() {
        return !key.isEmpty();
    }

    /**
     * This URI, when it names an object.
     *
     * @throws IllegalArgumentException naming the URI when the key is empty
     */
    public S3Uri requireObject() {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("expected an object URI s3://bucket/key, was the bucket root " + this);
        }
        return this;
    }

    /** The last path segment of the key, e.g. {@code model.safetensors}; empty for the bucket root. */
    public String fileName() {
        String trimmed = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    @Override
    public String toString() {
        return SCHEME + bucket + "/" + key;
    }
}
