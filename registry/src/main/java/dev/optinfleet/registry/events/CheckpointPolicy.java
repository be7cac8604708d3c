package dev.optinfleet.registry.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.events.ObjectCreated;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectNotFoundException;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import static dev.optinfleet.storage.ModelObjects.CONFIG_FILE;
import static dev.optinfleet.storage.ModelObjects.TOKENIZER_FILE;
import static dev.optinfleet.storage.ModelObjects.WEIGHTS_FILE;

/**
 * Decides what an uploaded object means: whether it completes a checkpoint that a configured rule covers, and if so
 * the job to start. Rules are tried in order; the first that covers the object's bucket and key applies.
 *
 * <p>A checkpoint is complete when, in the object's folder,
 * <ul>
 *   <li>Hugging Face layout: {@code config.json} and {@code model.safetensors} exist (an event for either, or for
 *   {@code tokenizer.json}, triggers the check), or</li>
 *   <li>ONNX: the {@code .onnx} file exists (its event, or one for {@code tokenizer.json} next to exactly one .onnx
 *   file); an {@code .onnx} beside {@code config.json} and {@code model.safetensors} (the export written with a
 *   pruned checkpoint) is that checkpoint, not a second one,</li>
 * </ul>
 * and {@code tokenizer.json} exists next to the model (unless the rule names a tokenizer). Whatever arrives last
 * completes the checkpoint; the earlier events are rejected as {@link Decision.Reason#INCOMPLETE}, naming the missing
 * object. {@code config.json} gets a light check (JSON object, supported {@code model_type}, positive sizes, heads
 * dividing the hidden size); the workers' full reader does the rest.
 *
 * <p>The version of a checkpoint is its weights object's current ETag ({@link CheckpointVersion}): the config.json
 * and weights events of one upload both decide to start the same job id; {@link ProcessedCheckpoints} keeps it to
 * one start.
 *
 * <p>Storage failures are not decisions: {@link dev.optinfleet.storage.StorageUnavailableException} (retry the
 * message later) and {@link dev.optinfleet.storage.StorageRequestException} propagate. Immutable and thread-safe.
 */
public final class CheckpointPolicy {

    public static final String ONNX_SUFFIX = ".onnx";
    /** A config.json larger than this is not a config. */
    public static final long MAX_CONFIG_BYTES = 1 << 20;
    /** Model types core's reader accepts (core's {@code ModelConfig.SUPPORTED_MODEL_TYPES}, and pruned BERT). */
    public static final List<String> SUPPORTED_MODEL_TYPES = List.of("bert", "optin_pruned_bert");
    /** JobRequest.source of jobs this policy starts. */
    public static final String SOURCE = "event";

    private final List<CheckpointRule> rules;

    /**
     * @throws IllegalArgumentException when two rules share a name or a rule's bucket is not a valid bucket name
     */
    public CheckpointPolicy(List<CheckpointRule> rules) {
        this.rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
        Set<String> names = new HashSet<>();
        for (CheckpointRule rule : this.rules) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException("two checkpoint rules are named '" + rule.name() + "'");
            }
            try {
                S3Uri.of(rule.bucket(), "");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("rule '" + rule.name() + "': " + e.getMessage(), e);
            }
        }
    }

    /** The policy document, e.g. a mounted ConfigMap. */
    public record Document(List<CheckpointRule> rules) {
        public Document {
            rules = rules == null ? List.of() : List.copyOf(rules);
        }
    }

    /**
     * Reads {@code {"rules":[{"name","bucket","keys","budgets","calibration_uris", ...}]}} (snake_case; see
     * {@link CheckpointRule}). Unknown fields are errors.
     *
     * @throws dev.optinfleet.schemas.MalformedMessageException naming the rule and field
     */
    public static CheckpointPolicy fromJson(String json) {
        Document document = Json.read(json, Document.class);
        try {
            return new CheckpointPolicy(document.rules());
        } catch (IllegalArgumentException e) {
            throw new dev.optinfleet.schemas.MalformedMessageException("checkpoint policy: " + e.getMessage(), e);
        }
    }

    public List<CheckpointRule> rules() {
        return rules;
    }

    /**
     * The decision about one uploaded object, looking at its folder in {@code store}.
     *
     * @throws dev.optinfleet.storage.StorageUnavailableException when storage cannot answer now; retry later
     */
    public Decision evaluate(ObjectCreated event, ObjectStore store) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(store, "store");
        String file = event.fileName();
        boolean hf = file.equals(CONFIG_FILE) || file.equals(WEIGHTS_FILE);
        boolean onnx = file.toLowerCase(Locale.ROOT).endsWith(ONNX_SUFFIX);
        boolean tokenizer = file.equals(TOKENIZER_FILE);
        if (!hf && !onnx && !tokenizer) {
            return new Decision.Rejection(event, Decision.Reason.NOT_A_CHECKPOINT_FILE, file + " is none of "
                    + CONFIG_FILE + ", " + WEIGHTS_FILE + ", " + TOKENIZER_FILE + " or *" + ONNX_SUFFIX);
        }
        Optional<CheckpointRule> rule = rules.stream().filter(r -> r.covers(event.bucket(), event.key())).findFirst();
        if (rule.isEmpty()) {
            return new Decision.Rejection(event, Decision.Reason.NO_RULE_MATCHES, event.uri() + " is covered by none "
                    + "of the rules " + rules.stream().map(r -> r.name() + " (" + r.bucket() + "/" + r.keys() + ")")
                    .toList());
        }
        String folder = event.folder();
        if (tokenizer) {
            S3Uri config = S3Uri.of(event.bucket(), folder + CONFIG_FILE);
            S3Uri weights = S3Uri.of(event.bucket(), folder + WEIGHTS_FILE);
            if (store.exists(config) || store.exists(weights)) {
                return huggingFace(event, rule.get(), store);
            }
            List<String> models = new ArrayList<>();
            for (ObjectInfo info : store.list(S3Uri.of(event.bucket(), folder))) {
                String rest = info.uri().key().substring(folder.length());
                if (!rest.contains("/") && rest.toLowerCase(Locale.ROOT).endsWith(ONNX_SUFFIX)) {
                    models.add(info.uri().key());
                }
            }
            if (models.size() != 1) {
                return new Decision.Rejection(event, Decision.Reason.INCOMPLETE, (models.isEmpty()
                        ? "no model next to it: " : "several .onnx files next to it " + models + ", not one: ")
                        + "s3://" + event.bucket() + "/" + folder + " needs " + CONFIG_FILE + " and " + WEIGHTS_FILE
                        + ", or one *" + ONNX_SUFFIX + " file");
            }
            return onnx(event, models.get(0), rule.get(), store);
        }
        if (onnx && store.exists(S3Uri.of(event.bucket(), folder + CONFIG_FILE))
                && store.exists(S3Uri.of(event.bucket(), folder + WEIGHTS_FILE))) {
            // The ONNX export written beside a safetensors checkpoint (pruned outputs): the same model, one job.
            return huggingFace(event, rule.get(), store);
        }
        return hf ? huggingFace(event, rule.get(), store) : onnx(event, event.key(), rule.get(), store);
    }

    private Decision huggingFace(ObjectCreated event, CheckpointRule rule, ObjectStore store) {
        String folder = event.folder();
        S3Uri config = S3Uri.of(event.bucket(), folder + CONFIG_FILE);
        S3Uri weights = S3Uri.of(event.bucket(), folder + WEIGHTS_FILE);
        Optional<ObjectInfo> configInfo = stat(store, config);
        if (configInfo.isEmpty()) {
            return missing(event, config);
        }
        Optional<ObjectInfo> weightsInfo = stat(store, weights);
        if (weightsInfo.isEmpty()) {
            return missing(event, weights);
        }
        Optional<Decision> noTokenizer = checkTokenizer(event, rule, store);
        if (noTokenizer.isPresent()) {
            return noTokenizer.get();
        }
        if (configInfo.get().size() > MAX_CONFIG_BYTES) {
            return new Decision.Rejection(event, Decision.Reason.INVALID_CONFIG, config + " has "
                    + configInfo.get().size() + " bytes, more than a config.json may (" + MAX_CONFIG_BYTES + ")");
        }
        Optional<String> problem;
        try {
            problem = checkConfig(store.getBytes(config));
        } catch (ObjectNotFoundException e) {
            return missing(event, config);
        }
        if (problem.isPresent()) {
            return new Decision.Rejection(event, Decision.Reason.INVALID_CONFIG, config + ": " + problem.get());
        }
        CheckpointVersion version = new CheckpointVersion(event.bucket(), weights.key(), weightsInfo.get().etag());
        return new Decision.Start(event, version, rule.name(), request(rule, config.toString()));
    }

    private Decision onnx(ObjectCreated event, String onnxKey, CheckpointRule rule, ObjectStore store) {
        S3Uri model = S3Uri.of(event.bucket(), onnxKey);
        Optional<ObjectInfo> info = stat(store, model);
        if (info.isEmpty()) {
            return missing(event, model);
        }
        Optional<Decision> noTokenizer = checkTokenizer(event, rule, store);
        if (noTokenizer.isPresent()) {
            return noTokenizer.get();
        }
        CheckpointVersion version = new CheckpointVersion(event.bucket(), onnxKey, info.get().etag());
        return new Decision.Start(event, version, rule.name(), request(rule, model.toString()));
    }

    private static Optional<Decision> checkTokenizer(ObjectCreated event, CheckpointRule rule, ObjectStore store) {
        if (rule.tokenizerUri() != null) {
            return Optional.empty();
        }
        S3Uri tokenizer = S3Uri.of(event.bucket(), event.folder() + TOKENIZER_FILE);
        return store.exists(tokenizer) ? Optional.empty() : Optional.of(missing(event, tokenizer));
    }

    private static JobRequest request(CheckpointRule rule, String modelUri) {
        return new JobRequest(JobRequest.SCHEMA_VERSION, rule.modelName(), modelUri, rule.tokenizerUri(),
                rule.calibrationUris(), rule.budgets(), rule.scoring(), rule.neuronsPerTask(), rule.samplesPerTask(),
                rule.outputPrefix(), rule.evaluationUri(), SOURCE);
    }

    private static Decision missing(ObjectCreated event, S3Uri object) {
        return new Decision.Rejection(event, Decision.Reason.INCOMPLETE, object + " is missing");
    }

    private static Optional<ObjectInfo> stat(ObjectStore store, S3Uri uri) {
        try {
            return Optional.of(store.stat(uri));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * The light check of a config.json: the first problem, naming the field, or empty when it looks usable.
     */
    static Optional<String> checkConfig(byte[] bytes) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(bytes);
        } catch (java.io.IOException e) {
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            return Optional.of("not valid JSON: " + detail);
        }
        if (root == null || !root.isObject()) {
            return Optional.of("not a JSON object");
        }
        JsonNode type = root.get("model_type");
        if (type == null || !type.isTextual()) {
            return Optional.of("field 'model_type' is missing or not a string");
        }
        if (!SUPPORTED_MODEL_TYPES.contains(type.asText())) {
            return Optional.of("field 'model_type' is '" + type.asText() + "'; supported: " + SUPPORTED_MODEL_TYPES);
        }
        for (String field : List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "intermediate_size")) {
            JsonNode value = root.get(field);
            if (value == null || !value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() <= 0) {
                return Optional.of("field '" + field + "' must be a positive integer, was "
                        + (value == null ? "missing" : value.toString()));
            }
        }
        int hidden = root.get("hidden_size").asInt();
        int heads = root.get("num_attention_heads").asInt();
        if (hidden % heads != 0) {
            return Optional.of("field 'num_attention_heads' (" + heads + ") must divide 'hidden_size' (" + hidden
                    + ")");
        }
        return Optional.empty();
    }
}
