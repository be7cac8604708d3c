package dev.optinfleet.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FAKE MLflow tracking server for tests, not MLflow: an in-memory model registry answering the few REST 2.0
 * endpoints {@link MlflowModelRegistry} uses, in MLflow's request and answer shapes (error bodies
 * {@code {"error_code","message"}}, 404 for {@code RESOURCE_DOES_NOT_EXIST}, 400 for {@code RESOURCE_ALREADY_EXISTS}
 * and {@code INVALID_PARAMETER_VALUE}). It records every request, and can answer the next ones with injected
 * failures, before or after applying them.
 *
 * <p>Supported: {@code registered-models/create|get}, {@code model-versions/create|get|search} (filter
 * {@code name='x'} or none, paginated), {@code registered-models/alias} (POST sets, GET resolves).
 */
final class FakeMlflowServer implements AutoCloseable {

    /** One request as received. */
    record Recorded(String method, String path, Map<String, String> query, JsonNode body) {
        /** {@code METHOD path}, e.g. {@code POST /api/2.0/mlflow/model-versions/create}. */
        String line() {
            return method + " " + path;
        }
    }

    /** A failure to answer instead of (or after) handling a request. */
    private record Injected(String endpoint, int status, String errorCode, String message, boolean applyFirst) {
        boolean matches(String path) {
            return endpoint == null || path.equals(API + endpoint);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/api/2.0/mlflow/";
    private static final Pattern NAME_FILTER = Pattern.compile("^name\\s*=\\s*(['\"])(.*)\\1$");

    private final HttpServer server;
    private final List<Recorded> requests = new ArrayList<>();
    private final List<Injected> failures = new ArrayList<>();
    private final Map<String, ObjectNode> models = new LinkedHashMap<>();
    private final Map<String, List<ObjectNode>> versions = new HashMap<>();
    private final Map<String, Map<String, String>> aliases = new HashMap<>();
    private final Set<String> hiddenFromGet = new HashSet<>();
    private long clock = 1_700_000_000_000L;

    private FakeMlflowServer(HttpServer server) {
        this.server = server;
    }

    static FakeMlflowServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        FakeMlflowServer fake = new FakeMlflowServer(server);
        server.createContext("/", fake::handle);
        server.start();
        return fake;
    }

    String trackingUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized List<Recorded> requests() {
        return List.copyOf(requests);
    }

    synchronized List<String> requestLines() {
        return requests.stream().map(Recorded::line).toList();
    }

    synchronized void clearRequests() {
        requests.clear();
    }

    /** The next {@code count} requests get {@code status} with the error, without being applied. */
    synchronized void failNext(int count, int status, String errorCode, String message) {
        failNext(null, count, status, errorCode, message);
    }

    /**
     * The next {@code count} requests to {@code endpoint} (e.g. {@code model-versions/create}; null: any) get
     * {@code status} with the error, without being applied.
     */
    synchronized void failNext(String endpoint, int count, int status, String errorCode, String message) {
        for (int i = 0; i < count; i++) {
            failures.add(new Injected(endpoint, status, errorCode, message, false));
        }
    }

    /** The next request to {@code endpoint} is applied, then answered with {@code status} (a lost answer). */
    synchronized void failNextAfterApplying(String endpoint, int status) {
        failures.add(new Injected(endpoint, status, "INTERNAL_ERROR", "answer lost after applying", true));
    }

    /** registered-models/get answers 404 for this name although it exists (another writer's race). */
    synchronized void hideFromGet(String name) {
        hiddenFromGet.add(name);
    }

    /** Creates a registered model directly, as another tool would. */
    synchronized void createModel(String name) {
        models.put(name, registeredModel(name));
    }

    /** Adds versions without optin tags, as another tool would register them. */
    synchronized void addForeignVersions(String name, int count) {
        models.putIfAbsent(name, registeredModel(name));
        for (int i = 0; i < count; i++) {
            ObjectNode body = JSON.createObjectNode();
            body.put("name", name);
            body.put("source", "runs:/run-" + i + "/model");
            body.putArray("tags").addObject().put("key", "team").put("value", "other");
            createVersion(body);
        }
    }

    synchronized int versionCount(String name) {
        return versions.getOrDefault(name, List.of()).size();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
            Answer answer;
            synchronized (this) {
                requests.add(new Recorded(method, path, query, body));
                Injected injected = null;
                for (int i = 0; i < failures.size(); i++) {
                    if (failures.get(i).matches(path)) {
                        injected = failures.remove(i);
                        break;
                    }
                }
                if (injected != null && !injected.applyFirst()) {
                    answer = Answer.error(injected.status(), injected.errorCode(), injected.message());
                } else {
                    if ("POST".equals(method) && !String.valueOf(exchange.getRequestHeaders()
                            .getFirst("Content-Type")).startsWith("application/json")) {
                        answer = Answer.error(400, "BAD_REQUEST", "POST needs Content-Type application/json");
                    } else {
                        answer = route(method, path, query, body);
                    }
                    if (injected != null) {
                        answer = Answer.error(injected.status(), injected.errorCode(), injected.message());
                    }
                }
            }
            byte[] out = answer.body().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        } finally {
            exchange.close();
        }
    }

    private record Answer(int status, JsonNode body) {
        static Answer ok(JsonNode body) {
            return new Answer(200, body);
        }

        static Answer error(int status, String code, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.put("error_code", code);
            body.put("message", message);
            return new Answer(status, body);
        }
    }

    private Answer route(String method, String path, Map<String, String> query, JsonNode body) {
        if (!path.startsWith(API)) {
            return Answer.error(404, "ENDPOINT_NOT_FOUND", "no endpoint " + path);
        }
        String endpoint = method + " " + path.substring(API.length());
        switch (endpoint) {
            case "POST registered-models/create":
                return createModel(body);
            case "GET registered-models/get":
                return getModel(query.get("name"));
            case "POST model-versions/create":
                return createVersion(body);
            case "GET model-versions/get":
                return getVersion(query.get("name"), query.get("version"));
            case "GET model-versions/search":
                return search(query);
            case "POST registered-models/alias":
                return setAlias(body);
            case "GET registered-models/alias":
                return getAlias(query.get("name"), query.get("alias"));
            default:
                return Answer.error(404, "ENDPOINT_NOT_FOUND", "no endpoint " + endpoint);
        }
    }

    private Answer createModel(JsonNode body) {
        String name = text(body, "name");
        if (name == null) {
            return Answer.error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");
        }
        if (models.containsKey(name)) {
            return Answer.error(400, "RESOURCE_ALREADY_EXISTS", "Registered Model (name=" + name
                    + ") already exists.");
        }
        ObjectNode model = registeredModel(name);
        models.put(name, model);
        ObjectNode answer = JSON.createObjectNode();
        answer.set("registered_model", model);
        return Answer.ok(answer);
    }

    private Answer getModel(String name) {
        if (name == null || !models.containsKey(name) || hiddenFromGet.contains(name)) {
            return Answer.error(404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=" + name
                    + " not found");
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("registered_model", models.get(name));
        return Answer.ok(answer);
    }

    private Answer createVersion(JsonNode body) {
        String name = text(body, "name");
        String source = text(body, "source");
        if (name == null || source == null) {
            return Answer.error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name' or "
                    + "'source'.");
        }
        if (!models.containsKey(name)) {
            return Answer.error(404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=" + name
                    + " not found");
        }
        List<ObjectNode> list = versions.computeIfAbsent(name, n -> new ArrayList<>());
        ObjectNode version = JSON.createObjectNode();
        version.put("name", name);
        version.put("version", Integer.toString(list.size() + 1));
        version.put("creation_timestamp", ++clock);
        version.put("last_updated_timestamp", clock);
        version.put("current_stage", "None");
        version.put("source", source);
        version.put("status", "READY");
        if (body.has("description")) {
            version.put("description", body.get("description").asText());
        }
        ArrayNode tags = version.putArray("tags");
        for (JsonNode tag : body.path("tags")) {
            tags.addObject().put("key", tag.path("key").asText()).put("value", tag.path("value").asText());
        }
        list.add(version);
        ObjectNode answer = JSON.createObjectNode();
        answer.set("model_version", version);
        return Answer.ok(answer);
    }

    private Answer getVersion(String name, String number) {
        ObjectNode version = find(name, number);
        if (version == null) {
            return Answer.error(404, "RESOURCE_DOES_NOT_EXIST", "Model Version (name=" + name + ", version="
                    + number + ") not found");
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("model_version", version);
        return Answer.ok(answer);
    }

    private Answer search(Map<String, String> query) {
        String filter = query.getOrDefault("filter", "").trim();
        List<ObjectNode> matching = new ArrayList<>();
        if (filter.isEmpty()) {
            models.keySet().forEach(name -> matching.addAll(versions.getOrDefault(name, List.of())));
        } else {
            Matcher m = NAME_FILTER.matcher(filter);
            if (!m.matches()) {
                return Answer.error(400, "INVALID_PARAMETER_VALUE", "fake supports only name='x' filters, got "
                        + filter);
            }
            matching.addAll(versions.getOrDefault(m.group(2), List.of()));
        }
        int max = Integer.parseInt(query.getOrDefault("max_results", "10000"));
        int start = Integer.parseInt(query.getOrDefault("page_token", "0"));
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode page = answer.putArray("model_versions");
        int end = Math.min(matching.size(), start + max);
        matching.subList(start, end).forEach(page::add);
        if (end < matching.size()) {
            answer.put("next_page_token", Integer.toString(end));
        }
        return Answer.ok(answer);
    }

    private Answer setAlias(JsonNode body) {
        String name = text(body, "name");
        String alias = text(body, "alias");
        String number = text(body, "version");
        if (alias == null || !alias.matches("[\\w-]+") || alias.matches("v\\d+") || alias.equals("latest")) {
            return Answer.error(400, "INVALID_PARAMETER_VALUE", "invalid alias '" + alias + "'");
        }
        if (find(name, number) == null) {
            return Answer.error(404, "RESOURCE_DOES_NOT_EXIST", "Model Version (name=" + name + ", version="
                    + number + ") not found");
        }
        aliases.computeIfAbsent(name, n -> new HashMap<>()).put(alias, number);
        return Answer.ok(JSON.createObjectNode());
    }

    private Answer getAlias(String name, String alias) {
        String number = aliases.getOrDefault(name, Map.of()).get(alias);
        if (number == null) {
            return Answer.error(404, "RESOURCE_DOES_NOT_EXIST", "Registered model alias " + alias + " not found.");
        }
        return getVersion(name, number);
    }

    private ObjectNode find(String name, String number) {
        for (ObjectNode version : versions.getOrDefault(name, List.of())) {
            if (version.get("version").asText().equals(number)) {
                return version;
            }
        }
        return null;
    }

    private ObjectNode registeredModel(String name) {
        ObjectNode model = JSON.createObjectNode();
        model.put("name", name);
        model.put("creation_timestamp", ++clock);
        model.put("last_updated_timestamp", clock);
        return model;
    }

    private static String text(JsonNode body, String field) {
        if (body == null || !body.hasNonNull(field) || body.get(field).asText().isEmpty()) {
            return null;
        }
        return body.get(field).asText();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }
}
