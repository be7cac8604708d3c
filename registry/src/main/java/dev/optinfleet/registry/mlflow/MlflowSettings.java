package dev.optinfleet.registry.mlflow;

import dev.optinfleet.storage.RetryPolicy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where the MLflow tracking server is and how to authenticate. Immutable; {@link #toString()} hides secrets.
 *
 * <p>{@link #fromEnvironment(Map)} reads MLflow's own variables: {@value #ENV_TRACKING_URI} (required),
 * {@value #ENV_TOKEN} (bearer token) or {@value #ENV_USERNAME} + {@value #ENV_PASSWORD} (basic auth).
 *
 * @param trackingUri    base URL, e.g. {@code http://mlflow.ml:5000}; the API lives under {@code /api/2.0/mlflow/}
 * @param token          bearer token, or null
 * @param username       basic-auth user, or null
 * @param password       basic-auth password, or null
 * @param requestTimeout how long one HTTP request may take
 * @param retry          backoff for transient failures
 */
public record MlflowSettings(URI trackingUri, String token, String username, String password,
                             Duration requestTimeout, RetryPolicy retry) {

    public static final String ENV_TRACKING_URI = "MLFLOW_TRACKING_URI";
    public static final String ENV_TOKEN = "MLFLOW_TRACKING_TOKEN";
    public static final String ENV_USERNAME = "MLFLOW_TRACKING_USERNAME";
    public static final String ENV_PASSWORD = "MLFLOW_TRACKING_PASSWORD";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Transient MLflow failures (5xx, 429, connection errors): 5 attempts, waiting 0.5 s, 1 s, 2 s, 4 s. */
    public static final RetryPolicy DEFAULT_RETRY = new RetryPolicy(5, Duration.ofMillis(500), 2.0,
            Duration.ofSeconds(10));

    public MlflowSettings {
        Objects.requireNonNull(trackingUri, "trackingUri");
        if (!("http".equals(trackingUri.getScheme()) || "https".equals(trackingUri.getScheme()))
                || trackingUri.getHost() == null) {
            throw new IllegalArgumentException("MLflow tracking URI must be http(s)://host[:port][/path], was '"
                    + trackingUri + "'");
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("MLflow basic auth needs both username and password");
        }
        if (token != null && username != null) {
            throw new IllegalArgumentException("MLflow auth: give a token or username and password, not both");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, was " + requestTimeout);
        }
        Objects.requireNonNull(retry, "retry");
    }

    /** No authentication, default timeout and retries. */
    public static MlflowSettings of(String trackingUri) {
        return new MlflowSettings(URI.create(trackingUri), null, null, null, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_RETRY);
    }

    /**
     * Settings from MLflow's environment variables.
     *
     * @throws IllegalStateException naming the variable when the tracking URI is missing or a value is invalid
     */
    public static MlflowSettings fromEnvironment(Map<String, String> environment) {
        String uri = blankToNull(environment.get(ENV_TRACKING_URI));
        if (uri == null) {
            throw new IllegalStateException("environment variable " + ENV_TRACKING_URI + " is not set; the MLflow "
                    + "registry needs the tracking server's URL, e.g. http://mlflow:5000");
        }
        try {
            return new MlflowSettings(URI.create(uri), blankToNull(environment.get(ENV_TOKEN)),
                    blankToNull(environment.get(ENV_USERNAME)), blankToNull(environment.get(ENV_PASSWORD)),
                    DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETRY);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("invalid MLflow settings in the environment: " + e.getMessage(), e);
        }
    }

    public MlflowSettings withRetry(RetryPolicy retry) {
        return new MlflowSettings(trackingUri, token, username, password, requestTimeout, retry);
    }

    public MlflowSettings withRequestTimeout(Duration requestTimeout) {
        return new MlflowSettings(trackingUri, token, username, password, requestTimeout, retry);
    }

    /** {@code trackingUri} + {@code /api/2.0/mlflow/} + {@code endpoint}. */
    URI endpoint(String endpoint, String query) {
        String base = trackingUri.toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + MlflowModelRegistry.API + endpoint + (query == null ? "" : "?" + query));
    }

    @Override
    public String toString() {
        return "MlflowSettings[trackingUri=" + trackingUri + ", auth=" + (token != null ? "token"
                : username != null ? "basic(" + username + ")" : "none") + ", requestTimeout=" + requestTimeout
                + ", retry=" + retry + "]";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
