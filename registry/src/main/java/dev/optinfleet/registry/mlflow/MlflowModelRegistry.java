package dev.optinfleet.registry.mlflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optinfleet.registry.ModelRegistry;
import dev.optinfleet.registry.ModelVersion;
import dev.optinfleet.registry.ModelVersionDraft;
import dev.optinfleet.registry.ParentModel;
import dev.optinfleet.registry.RegistryException;
import dev.optinfleet.registry.RegistryRequestException;
import dev.optinfleet.registry.RegistryUnavailableException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.storage.RetryPolicy;
import dev.optinfleet.storage.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link ModelRegistry} over MLflow's Model Registry REST API 2.0. A name is a registered model; each registered
 * output is a model version whose {@code source} is the pruned checkpoint's URI and whose tags carry the lineage
 * ({@code optin.*}, see {@link #TAG_PREFIX}); alias {@code budget-<b>} (e.g. {@code budget-0_6}) points at the newest
 * version for each budget. MLflow numbers the versions.
 *
 * <p>{@link #register} makes these calls: {@code GET registered-models/get} (on 404 {@code RESOURCE_DOES_NOT_EXIST},
 * {@code POST registered-models/create}, where {@code RESOURCE_ALREADY_EXISTS} means another writer won the race and
 * is fine); {@code GET model-versions/search} for an existing version of the same job and budget (returned as is,
 * keeping registration idempotent); {@code POST model-versions/create}; {@code POST registered-models/alias}.
 *
 * <p>Failures: 5xx, 429 and connection errors are retried with the settings' {@link RetryPolicy} (waiting through the
 * injected {@link Sleeper}); after the last attempt a {@link RegistryUnavailableException}. A retried
 * {@code model-versions/create} first looks for the version again, since a create that failed on the way back may
 * have succeeded. Any other 4xx is a {@link RegistryRequestException} naming the request and MLflow's
 * {@code error_code} and {@code message}.
 *
 * <p>Thread-safe (the HTTP client is); no state besides the settings.
 */
public final class MlflowModelRegistry implements ModelRegistry {

    /** Path of the API under the tracking URI. */
    public static final String API = "/api/2.0/mlflow/";
    /** Prefix of the lineage tags on model versions. */
    public static final String TAG_PREFIX = "optin.";
    /** Versions per page when searching. */
    static final int PAGE_SIZE = 200;

    private static final Logger LOG = LoggerFactory.getLogger(MlflowModelRegistry.class);

    private final MlflowSettings settings;
    private final HttpClient http;
    private final Sleeper sleeper;

    public MlflowModelRegistry(MlflowSettings settings) {
        this(settings, HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build(), Sleeper.SYSTEM);
    }

    public MlflowModelRegistry(MlflowSettings settings, HttpClient http, Sleeper sleeper) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.http = Objects.requireNonNull(http, "http");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    @Override
    public ModelVersion register(ModelVersionDraft draft) {
        Objects.requireNonNull(draft, "draft");
        ensureRegisteredModel(draft.name());
        Optional<ModelVersion> existing = findExisting(draft);
        if (existing.isPresent()) {
            LOG.info("{} is already registered in MLflow for job {} at budget {}; not adding a version",
                    existing.get().key(), draft.jobId(), draft.budget());
            return existing.get();
        }
        ModelVersion version = createVersion(draft);
        ObjectNode alias = Json.mapper().createObjectNode();
        alias.put("name", version.name());
        alias.put("alias", version.alias());
        alias.put("version", Integer.toString(version.version()));
        call(new Call("POST", "registered-models/alias", null, alias), true);
        return version;
    }

    @Override
    public List<ModelVersion> list() {
        return search(null);
    }

    @Override
    public List<ModelVersion> list(String name) {
        ModelVersion.checkName(name);
        return search("name=" + quote(name));
    }

    @Override
    public Optional<ModelVersion> get(String name, int version) {
        ModelVersion.checkName(name);
        Response response = call(new Call("GET", "model-versions/get", "name=" + encode(name) + "&version="
                + version, null), true);
        if (response.isNotFound()) {
            return Optional.empty();
        }
        Call call = new Call("GET", "model-versions/get", null, null);
        return Optional.of(fromMlflow(response.ok(call).path("model_version"), call));
    }

    /** The version an alias (e.g. {@link ModelVersion#budgetAlias}) points at, if the alias is set. */
    public Optional<ModelVersion> byAlias(String name, String alias) {
        ModelVersion.checkName(name);
        Call call = new Call("GET", "registered-models/alias", "name=" + encode(name) + "&alias=" + encode(alias),
                null);
        Response response = call(call, true);
        if (response.isNotFound()) {
            return Optional.empty();
        }
        return Optional.of(fromMlflow(response.ok(call).path("model_version"), call));
    }

    public MlflowSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        // java.net.http.HttpClient on Java 17 holds no resources that need closing.
    }

    private void ensureRegisteredModel(String name) {
        Call get = new Call("GET", "registered-models/get", "name=" + encode(name), null);
        Response response = call(get, true);
        if (!response.isNotFound()) {
            response.ok(get);
            return;
        }
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("name", name);
        body.put("description", "Pruned transformers registered by optin-fleet (OPTIN); aliases budget-<b> point "
                + "at the newest version for each FLOP budget.");
        Call create = new Call("POST", "registered-models/create", null, body);
        Response created = call(create, true);
        if (created.isAlreadyExists()) {
            LOG.debug("registered model {} was created concurrently", name);
            return;
        }
        created.ok(create);
    }

    private Optional<ModelVersion> findExisting(ModelVersionDraft draft) {
        for (ModelVersion version : list(draft.name())) {
            if (draft.sameOutputAs(version)) {
                return Optional.of(version);
            }
        }
        return Optional.empty();
    }

    /** model-versions/create, retried by hand: before each retry, a lookup in case the failed attempt succeeded. */
    private ModelVersion createVersion(ModelVersionDraft draft) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("name", draft.name());
        body.put("source", draft.checkpointUri());
        body.put("description", "Pruned by optin-fleet job " + draft.jobId() + " from " + draft.parent().uri()
                + " to " + draft.budget() + " of the prunable FLOPs");
        ArrayNode tags = body.putArray("tags");
        tags(draft).forEach((key, value) -> tags.addObject().put("key", key).put("value", value));
        Call create = new Call("POST", "model-versions/create", null, body);
        RetryPolicy retry = settings.retry();
        for (int attempt = 1; ; attempt++) {
            try {
                JsonNode created = call(create, false).ok(create).path("model_version");
                return fromMlflow(created, create);
            } catch (RegistryUnavailableException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw e;
                }
                pause(retry.backoffAfter(attempt), create, e);
                Optional<ModelVersion> existing = findExisting(draft);
                if (existing.isPresent()) {
                    LOG.info("the failed create of a version of {} had succeeded as version {}", draft.name(),
                            existing.get().version());
                    return existing.get();
                }
            }
        }
    }

    private List<ModelVersion> search(String filter) {
        List<ModelVersion> found = new ArrayList<>();
        String pageToken = null;
        do {
            StringBuilder query = new StringBuilder("max_results=" + PAGE_SIZE);
            if (filter != null) {
                query.append("&filter=").append(encode(filter));
            }
            if (pageToken != null) {
                query.append("&page_token=").append(encode(pageToken));
            }
            Call call = new Call("GET", "model-versions/search", query.toString(), null);
            JsonNode page = call(call, true).ok(call);
            for (JsonNode node : page.path("model_versions")) {
                if (hasLineage(node)) {
                    found.add(fromMlflow(node, call));
                }
            }
            String next = page.path("next_page_token").asText("");
            pageToken = next.isEmpty() ? null : next;
        } while (pageToken != null);
        found.sort(Comparator.comparing(ModelVersion::name).thenComparingInt(ModelVersion::version));
        return List.copyOf(found);
    }

    /** Lineage as MLflow tags: {@code optin.<field>}, values as text, scoring as JSON. */
    static Map<String, String> tags(ModelVersionDraft draft) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(TAG_PREFIX + "schema_version", Integer.toString(ModelVersion.SCHEMA_VERSION));
        tags.put(TAG_PREFIX + "job_id", draft.jobId());
        if (draft.submittedBy() != null) {
            tags.put(TAG_PREFIX + "submitted_by", draft.submittedBy());
        }
        tags.put(TAG_PREFIX + "parent_uri", draft.parent().uri());
        if (draft.parent().name() != null) {
            tags.put(TAG_PREFIX + "parent_name", draft.parent().name());
        }
        if (draft.parent().version() != null) {
            tags.put(TAG_PREFIX + "parent_version", draft.parent().version().toString());
        }
        if (draft.parent().etag() != null) {
            tags.put(TAG_PREFIX + "parent_etag", draft.parent().etag());
        }
        tags.put(TAG_PREFIX + "budget", Double.toString(draft.budget()));
        tags.put(TAG_PREFIX + "kept_fraction", Double.toString(draft.keptFraction()));
        tags.put(TAG_PREFIX + "flops.prunable_before", Double.toString(draft.flops().prunableBefore()));
        tags.put(TAG_PREFIX + "flops.prunable_after", Double.toString(draft.flops().prunableAfter()));
        tags.put(TAG_PREFIX + "flops.total_before", Double.toString(draft.flops().totalBefore()));
        tags.put(TAG_PREFIX + "flops.total_after", Double.toString(draft.flops().totalAfter()));
        tags.put(TAG_PREFIX + "scoring", Json.write(draft.scoring()));
        if (draft.accuracy() != null) {
            tags.put(TAG_PREFIX + "accuracy", Double.toString(draft.accuracy()));
        }
        tags.put(TAG_PREFIX + "checkpoint_uri", draft.checkpointUri());
        tags.put(TAG_PREFIX + "mask_uri", draft.maskUri());
        if (draft.onnxUri() != null) {
            tags.put(TAG_PREFIX + "onnx_uri", draft.onnxUri());
        }
        return tags;
    }

    private static boolean hasLineage(JsonNode modelVersion) {
        for (JsonNode tag : modelVersion.path("tags")) {
            if ((TAG_PREFIX + "job_id").equals(tag.path("key").asText())) {
                return true;
            }
        }
        return false;
    }

    /** A ModelVersion from MLflow's model_version object and its optin.* tags. */
    private static ModelVersion fromMlflow(JsonNode node, Call call) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (JsonNode tag : node.path("tags")) {
            tags.put(tag.path("key").asText(), tag.path("value").asText());
        }
        String name = node.path("name").asText(null);
        String where = call + ": model version " + name + "/" + node.path("version").asText("?");
        try {
            int version = Integer.parseInt(node.path("version").asText(""));
            ParentModel parent = new ParentModel(tag(tags, "parent_uri", where), tags.get(TAG_PREFIX + "parent_name"),
                    tags.containsKey(TAG_PREFIX + "parent_version")
                            ? Integer.valueOf(tags.get(TAG_PREFIX + "parent_version")) : null,
                    tags.get(TAG_PREFIX + "parent_etag"));
            MaskDocument.Flops flops = new MaskDocument.Flops(number(tags, "flops.prunable_before", where),
                    number(tags, "flops.prunable_after", where), number(tags, "flops.total_before", where),
                    number(tags, "flops.total_after", where));
            @SuppressWarnings("unchecked")
            Map<String, Object> scoring = Json.mapper().readValue(tag(tags, "scoring", where), Map.class);
            Double accuracy = tags.containsKey(TAG_PREFIX + "accuracy") ? number(tags, "accuracy", where) : null;
            return new ModelVersion(Integer.parseInt(tag(tags, "schema_version", where)), name, version, parent,
                    tag(tags, "job_id", where), tags.get(TAG_PREFIX + "submitted_by"), number(tags, "budget", where),
                    flops, number(tags, "kept_fraction", where), scoring, accuracy, tag(tags, "checkpoint_uri", where),
                    tag(tags, "mask_uri", where), tags.get(TAG_PREFIX + "onnx_uri"),
                    node.path("creation_timestamp").asLong(0));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new RegistryRequestException(where + " has no valid optin lineage tags: " + e.getMessage()
                    + "; was it registered by another tool?", e);
        }
    }

    private static String tag(Map<String, String> tags, String field, String where) {
        String value = tags.get(TAG_PREFIX + field);
        if (value == null) {
            throw new IllegalArgumentException("tag " + TAG_PREFIX + field + " is missing in " + where);
        }
        return value;
    }

    private static double number(Map<String, String> tags, String field, String where) {
        return Double.parseDouble(tag(tags, field, where));
    }

    /** A quoted string literal of MLflow's search filter. */
    private static String quote(String value) {
        if (!value.contains("'")) {
            return "'" + value + "'";
        }
        if (!value.contains("\"")) {
            return "\"" + value + "\"";
        }
        throw new RegistryRequestException("model name " + value + " contains both quote characters and cannot be "
                + "searched in MLflow", null);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Sends the call, retrying transient failures when {@code retry}; returns any answer that is not transient.
     *
     * @throws RegistryUnavailableException after the last transient failure
     */
    private Response call(Call call, boolean retry) {
        int attempts = retry ? settings.retry().maxAttempts() : 1;
        for (int attempt = 1; ; attempt++) {
            RegistryUnavailableException failure;
            try {
                HttpResponse<String> response = http.send(request(call), HttpResponse.BodyHandlers.ofString());
                Response answer = new Response(response.statusCode(), response.body());
                if (!answer.isTransient()) {
                    return answer;
                }
                failure = new RegistryUnavailableException("MLflow failed " + call + " after " + attempt
                        + " attempt(s): " + answer.describe() + "; retry later", null);
            } catch (IOException e) {
                failure = new RegistryUnavailableException("MLflow at " + settings.trackingUri() + " did not answer "
                        + call + " after " + attempt + " attempt(s): " + e + "; is it up?", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException("interrupted during " + call, e);
            }
            if (attempt >= attempts) {
                throw failure;
            }
            pause(settings.retry().backoffAfter(attempt), call, failure);
        }
    }

    private void pause(Duration backoff, Call call, RegistryException failure) {
        LOG.warn("{}; retrying in {} ms", failure.getMessage(), backoff.toMillis());
        try {
            sleeper.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException("interrupted while waiting to retry " + call, e);
        }
    }

    private HttpRequest request(Call call) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(settings.endpoint(call.endpoint(), call.query()))
                .timeout(settings.requestTimeout())
                .header("Accept", "application/json");
        if (settings.token() != null) {
            builder.header("Authorization", "Bearer " + settings.token());
        } else if (settings.username() != null) {
            String credentials = settings.username() + ":" + settings.password();
            builder.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        if ("POST".equals(call.method())) {
            builder.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(call.body())));
        } else {
            builder.GET();
        }
        return builder.build();
    }

    /** One API request, named in errors as {@code METHOD /api/2.0/mlflow/endpoint}. */
    private record Call(String method, String endpoint, String query, JsonNode body) {
        @Override
        public String toString() {
            return method + " " + API + endpoint;
        }
    }

    /** An HTTP answer with MLflow's error fields when it is an error. */
    private record Response(int status, String body) {
        boolean isTransient() {
            return status >= 500 || status == 429;
        }

        boolean isNotFound() {
            return status == 404 && ("RESOURCE_DOES_NOT_EXIST".equals(errorCode()) || errorCode().isEmpty());
        }

        boolean isAlreadyExists() {
            return "RESOURCE_ALREADY_EXISTS".equals(errorCode()) || (status == 409 && errorCode().isEmpty());
        }

        /** The JSON body of a 2xx answer. */
        JsonNode ok(Call call) {
            if (status < 200 || status >= 300) {
                throw new RegistryRequestException("MLflow refused " + call + ": " + describe(), null);
            }
            try {
                JsonNode node = Json.mapper().readTree(body == null || body.isBlank() ? "{}" : body);
                return node == null ? Json.mapper().createObjectNode() : node;
            } catch (JsonProcessingException e) {
                throw new RegistryRequestException("MLflow answered " + call + " with a body that is not JSON: "
                        + abbreviate(body), e);
            }
        }

        String errorCode() {
            return error().path("error_code").asText("");
        }

        String describe() {
            JsonNode error = error();
            String code = error.path("error_code").asText("");
            String message = error.path("message").asText("");
            if (code.isEmpty() && message.isEmpty()) {
                return "HTTP " + status + (body == null || body.isBlank() ? "" : " " + abbreviate(body));
            }
            return "HTTP " + status + " " + code + ": " + message;
        }

        private JsonNode error() {
            try {
                JsonNode node = Json.mapper().readTree(body == null ? "" : body);
                return node == null ? Json.mapper().createObjectNode() : node;
            } catch (JsonProcessingException e) {
                return Json.mapper().createObjectNode();
            }
        }

        private static String abbreviate(String text) {
            return text == null ? "" : text.length() <= 300 ? text : text.substring(0, 300) + "...";
        }
    }
}
