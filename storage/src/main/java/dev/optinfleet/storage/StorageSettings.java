package dev.optinfleet.storage;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Where object storage is and how to sign requests to it. Immutable; {@link #toString()} hides the secret.
 *
 * <p>Production reads it from the environment with {@link #fromEnvironment()}: {@value #ENV_ENDPOINT},
 * {@value #ENV_ACCESS_KEY}, {@value #ENV_SECRET_KEY} (required) and {@value #ENV_REGION} (optional, default
 * {@value #DEFAULT_REGION}).
 *
 * @param endpoint  base URL of the S3 API, {@code http(s)://host[:port]}, e.g. {@code https://minio.data:9000}
 * @param accessKey access key id
 * @param secretKey secret access key
 * @param region    region the requests are signed for; MinIO and s3proxy accept {@value #DEFAULT_REGION}
 */
public record StorageSettings(String endpoint, String accessKey, String secretKey, String region) {

    public static final String ENV_ENDPOINT = "S3_ENDPOINT";
    public static final String ENV_ACCESS_KEY = "S3_ACCESS_KEY";
    public static final String ENV_SECRET_KEY = "S3_SECRET_KEY";
    public static final String ENV_REGION = "S3_REGION";
    public static final String DEFAULT_REGION = "us-east-1";

    public StorageSettings {
        requireText("endpoint", endpoint);
        requireText("accessKey", accessKey);
        requireText("secretKey", secretKey);
        requireText("region", region);
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint is not a URL: '" + endpoint + "'", e);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be http(s)://host[:port], was '" + endpoint + "'");
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !"/".equals(uri.getPath())) {
            throw new IllegalArgumentException("endpoint must not have a path (buckets are not part of it), was '"
                    + endpoint + "'");
        }
    }

    /** Settings with the {@value #DEFAULT_REGION} region. */
    public static StorageSettings of(String endpoint, String accessKey, String secretKey) {
        return new StorageSettings(endpoint, accessKey, secretKey, DEFAULT_REGION);
    }

    /**
     * Reads the settings from this process's environment.
     *
     * @throws IllegalStateException naming the variable when a required one is missing or blank
     */
    public static StorageSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads the settings from the given variables, as {@link #fromEnvironment()} does from the real ones. */
    public static StorageSettings fromEnvironment(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        String region = environment.get(ENV_REGION);
        try {
            return new StorageSettings(
                    required(environment, ENV_ENDPOINT),
                    required(environment, ENV_ACCESS_KEY),
                    required(environment, ENV_SECRET_KEY),
                    region == null || region.isBlank() ? DEFAULT_REGION : region.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("invalid object storage settings in the environment: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public String toString() {
        return "StorageSettings[endpoint=" + endpoint + ", accessKey=" + accessKey + ", secretKey=***, region="
                + region + "]";
    }

    private static String required(Map<String, String> environment, String name) {
        String value = environment.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set; object storage needs "
                    + ENV_ENDPOINT + ", " + ENV_ACCESS_KEY + " and " + ENV_SECRET_KEY);
        }
        return value.trim();
    }

    private static void requireText(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank, was '" + value + "'");
        }
    }
}
