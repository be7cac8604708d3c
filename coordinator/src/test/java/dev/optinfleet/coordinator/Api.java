package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;

import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The coordinator's REST API as a test calls it, and the job flows the tests share. */
final class Api {
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    private final String base;
    /** {@code Authorization} header value; null: none sent. */
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** As the test admin (every role). */
    Api(URL root) {
        this(root, "admin");
    }

    /**
     * As the holder of one of {@link CoordFleetResources}' tokens (admin, jobs, other-jobs, uploads, none, foreign),
     * or with no token at all ({@code holder} null).
     */
    Api(URL root, String holder) {
        String s = root.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.authorization = holder == null ? null : "Bearer " + ConfigProvider.getConfig()
                .getValue(CoordFleetResources.tokenKey(holder), String.class);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** PUT of a file's bytes. */
    HttpResponse<String> put(String path, java.nio.file.Path file) {
        try {
            return send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)));
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PUT of bytes. */
    HttpResponse<String> put(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** Waits until readiness is UP (start-up recovery done). */
    void awaitReady() {
        await().atMost(Duration.ofMinutes(1)).until(() -> get("/q/health/ready").statusCode() == 200);
    }

    /** A request for the uploaded MiniLM and shard. */
    static JobRequest request(String name, List<Double> budgets, ScoringSpec scoring, Integer samplesPerTask) {
        return new JobRequest(JobRequest.SCHEMA_VERSION, name, CoordFleetResources.MODEL.toString(), null,
                List.of(CoordFleetResources.SHARD.toString()), budgets, scoring, null, samplesPerTask, null, null,
                "test");
    }

    /** Submits and returns the job id (asserting 202). */
    String submit(JobRequest request) {
        HttpResponse<String> r = post("/jobs", Json.write(request));
        assertEquals(202, r.statusCode(), r.body());
        return json(r).path("job_id").asText();
    }

    JsonNode status(String jobId) {
        HttpResponse<String> r = get("/jobs/" + jobId);
        assertEquals(200, r.statusCode(), r.body());
        return json(r);
    }

    /** Polls the job until it is in {@code state}; fails at once if it failed while another state was awaited. */
    JsonNode awaitState(String jobId, String state) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(JOB_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode s = status(jobId);
            last.set(s);
            if (!state.equals("failed")) {
                assertNotEquals("failed", s.path("state").asText(), "job " + jobId + " failed: " + s);
            }
            return s.path("state").asText().equals(state);
        });
        return last.get();
    }

    /** Runs a job to the end with the test worker scoring each of its tasks once; returns the final status. */
    JsonNode runToDone(TestWorker worker, JobRequest request) {
        String id = submit(request);
        JsonNode scoring = awaitState(id, "scoring");
        int total = scoring.path("tasks_total").asInt();
        worker.awaitTasks(id, total).forEach(t -> worker.publish(worker.score(t)));
        return awaitState(id, "done");
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach the coordinator at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
