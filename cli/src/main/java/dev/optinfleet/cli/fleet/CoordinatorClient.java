package dev.optinfleet.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.CoordinatorUnreachableException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.JobRequest;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The coordinator's REST API, as the CLI uses it, every call with the bearer token it was given. Thread-safe.
 */
public final class CoordinatorClient {
    private final String baseUrl;
    /** Null: no Authorization header (the coordinator answers 401, which is reported with a remedy). */
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Without a token: only for coordinators that do not check them. */
    public CoordinatorClient(String baseUrl) {
        this(baseUrl, null);
    }

    public CoordinatorClient(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token == null || token.isBlank() ? null : token.strip();
    }

    /** Submits a job; returns its id. A 400 becomes an IllegalArgumentException with the server's message. */
    public String submit(JobRequest request) {
        JsonNode body = send(HttpRequest.newBuilder(URI.create(baseUrl + "/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(request))).build(), "submit job");
        return body.path("job_id").asText();
    }

    /** The job's status document. */
    public JsonNode status(String jobId) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/jobs/" + jobId)).GET().build(), "job " + jobId);
    }

    /** Asks for a new budget of a finished job, answered from its stored scores. */
    public JsonNode budget(String jobId, double budget) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/jobs/" + jobId + "/budgets"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"budget\": " + budget + "}")).build(),
                "budget " + budget + " of job " + jobId);
    }

    /** Every registered model version, or the versions of one model ({@code name} not null). */
    public JsonNode models(String name) {
        String path = name == null ? "/models" : "/models/" + segment(name);
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
                name == null ? "registered models" : "model " + name);
    }

    /**
     * Uploads a file to {@code s3://bucket/key} through the coordinator, which stores it and publishes its bucket
     * notification; returns {@code {"uri", "etag", "size"}}.
     */
    public JsonNode upload(String bucket, String key, Path file) {
        StringBuilder path = new StringBuilder("/uploads/").append(segment(bucket));
        for (String part : key.split("/", -1)) {
            path.append('/').append(segment(part));
        }
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("cannot upload " + file + ": it does not exist", e);
        }
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/octet-stream").PUT(body).build(),
                "upload of " + file + " to s3://" + bucket + "/" + key);
    }

    /** One path segment, percent-encoded. */
    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(HttpRequest request, String what) {
        HttpResponse<String> r;
        try {
            HttpRequest signed = token == null ? request
                    : HttpRequest.newBuilder(request, (name, value) -> true)
                    .header("Authorization", "Bearer " + token).build();
            r = http.send(signed, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CoordinatorUnreachableException(baseUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to " + baseUrl, e);
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(r.body().isEmpty() ? "{}" : r.body());
        } catch (IOException e) {
            throw new IllegalStateException(what + ": the coordinator answered " + r.statusCode()
                    + " with something that is not JSON: " + r.body(), e);
        }
        if (r.statusCode() == 401) {
            throw new IllegalArgumentException(what + ": the coordinator at " + baseUrl + " refused "
                    + (token == null ? "the request without a token: set OPTIN_TOKEN or --token-file"
                    : "the token (expired, or not signed by the key it trusts)"));
        }
        if (r.statusCode() == 403 && body.path("error").isMissingNode()) {
            throw new IllegalArgumentException(what + ": the token's roles do not allow this (jobs: submit and"
                    + " read jobs; uploads: upload; admin: everything)");
        }
        if (r.statusCode() == 404) {
            throw new IllegalArgumentException(what + ": not found (" + body.path("error").asText(r.body()) + ")");
        }
        if (r.statusCode() >= 400 && r.statusCode() < 500) {
            throw new IllegalArgumentException(what + ": " + body.path("error").asText(r.body()));
        }
        if (r.statusCode() >= 500) {
            throw new IllegalStateException(what + ": the coordinator failed with " + r.statusCode() + ": "
                    + r.body());
        }
        return body;
    }
}
