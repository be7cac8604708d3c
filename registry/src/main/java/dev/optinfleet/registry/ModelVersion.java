package dev.optinfleet.registry;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.mask.MaskDocument;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One registered pruned model, with its lineage: which model it was pruned from, by which job, at which budget and
 * scoring settings, what it costs and (when measured) how accurate it is. JSON (snake_case, through
 * {@link dev.optinfleet.schemas.Json}) is its form on the registry topic, in the index object and in MLflow tags.
 *
 * <p>Versions count per name from 1, each new one the highest so far plus one. The compact constructor names the
 * first bad field; {@code scoring} is copied, order kept, numbers normalised to {@link Long} or {@link Double} so a
 * version equals itself after a JSON round trip.
 *
 * @param schemaVersion {@value #SCHEMA_VERSION}
 * @param name          registered model name (see {@link #checkName})
 * @param version       version number within the name, >= 1
 * @param parent        the model it was pruned from
 * @param jobId         the pruning job that produced it
 * @param submittedBy   who submitted that job: the authenticated principal of {@code POST /jobs} (the job request's
 *                      {@code submitted_by}); null when the job had none (a checkpoint event, the request topic)
 * @param budget        the kept fraction of prunable FLOPs asked for, in (0, 1]
 * @param flops         MACs per sequence, prunable and total, before and after
 * @param keptFraction  prunable_after / prunable_before, in [0, 1]
 * @param scoring       scorer name ({@code scorer}) and settings, flat
 * @param accuracy      accuracy on the job's evaluation set, in [0, 1]; null when not measured
 * @param checkpointUri the pruned checkpoint (its config.json)
 * @param maskUri       its mask.json
 * @param onnxUri       its model.onnx (the same model for any ONNX runtime); null for versions registered before
 *                      exports existed
 * @param createdAt     registration time, epoch milliseconds
 */
@JsonPropertyOrder({"schema_version", "name", "version", "parent", "job_id", "submitted_by", "budget", "flops", "kept_fraction",
        "scoring", "accuracy", "checkpoint_uri", "mask_uri", "onnx_uri", "created_at"})
public record ModelVersion(int schemaVersion, String name, int version, ParentModel parent, String jobId,
                           String submittedBy, double budget, MaskDocument.Flops flops, double keptFraction, Map<String, Object> scoring,
                           Double accuracy, String checkpointUri, String maskUri, String onnxUri,
                           long createdAt) {

    public static final int SCHEMA_VERSION = 1;
    /** Longest model name accepted; MLflow and S3 keys take far more, humans do not. */
    public static final int MAX_NAME_LENGTH = 200;

    public ModelVersion {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        checkName(name);
        Checks.atLeast("version", version, 1);
        Objects.requireNonNull(parent, "parent is required");
        Checks.required("job_id", jobId);
        if (submittedBy != null && (submittedBy.isBlank() || submittedBy.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("submitted_by must be absent or a name without control characters,"
                    + " was '" + submittedBy + "'");
        }
        Checks.budget("budget", budget);
        Objects.requireNonNull(flops, "flops is required");
        if (!(keptFraction >= 0 && keptFraction <= 1)) {
            throw new IllegalArgumentException("kept_fraction must be in [0, 1], was " + keptFraction);
        }
        scoring = normaliseScoring(scoring);
        if (accuracy != null && !(accuracy >= 0 && accuracy <= 1)) {
            throw new IllegalArgumentException("accuracy must be in [0, 1] or absent, was " + accuracy);
        }
        Checks.s3Uri("checkpoint_uri", checkpointUri);
        Checks.s3Uri("mask_uri", maskUri);
        if (onnxUri != null) {
            Checks.s3Uri("onnx_uri", onnxUri);
        }
        if (createdAt < 0) {
            throw new IllegalArgumentException("created_at must be >= 0 (epoch ms), was " + createdAt);
        }
    }

    /**
     * Checks a registered model name: 1 to {@value #MAX_NAME_LENGTH} characters, no {@code /} (it separates name
     * and version in keys and MLflow URIs), no control characters, no leading or trailing space.
     *
     * @throws IllegalArgumentException naming the value and the rule
     */
    public static String checkName(String name) {
        Checks.required("name", name);
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name must have at most " + MAX_NAME_LENGTH + " characters, had "
                    + name.length());
        }
        if (!name.equals(name.strip())) {
            throw new IllegalArgumentException("name must not start or end with spaces, was '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || Character.isISOControl(c)) {
                throw new IllegalArgumentException("name must not contain '/' or control characters, was '" + name
                        + "'");
            }
        }
        return name;
    }

    /** {@code name/version}: the key on the registry topic. */
    public String key() {
        return key(name, version);
    }

    static String key(String name, int version) {
        return name + "/" + version;
    }

    /** The alias naming the newest version at this budget, e.g. {@code budget-0_6}; see {@link #budgetAlias}. */
    public String alias() {
        return budgetAlias(budget);
    }

    /**
     * {@code budget-} and the budget in plain decimal with {@code _} for the point: 0.6 gives {@code budget-0_6},
     * 0.55 {@code budget-0_55}, 1 {@code budget-1}. Letters, digits, {@code _} and {@code -} only, as MLflow alias
     * names must be.
     */
    public static String budgetAlias(double budget) {
        Checks.budget("budget", budget);
        return "budget-" + BigDecimal.valueOf(budget).stripTrailingZeros().toPlainString().replace('.', '_');
    }

    private static Map<String, Object> normaliseScoring(Map<String, Object> scoring) {
        Objects.requireNonNull(scoring, "scoring is required");
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : scoring.entrySet()) {
            String key = e.getKey();
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("scoring has a blank key");
            }
            Object value = e.getValue();
            if (value == null) {
                continue;
            }
            if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long
                    || value instanceof BigInteger) {
                copy.put(key, ((Number) value).longValue());
            } else if (value instanceof Number number) {
                double d = number.doubleValue();
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException("scoring." + key + " must be finite, was " + d);
                }
                copy.put(key, d);
            } else if (value instanceof String || value instanceof Boolean) {
                copy.put(key, value);
            } else {
                throw new IllegalArgumentException("scoring." + key + " must be a string, number or boolean, was "
                        + value.getClass().getSimpleName());
            }
        }
        return Collections.unmodifiableMap(copy);
    }
}
