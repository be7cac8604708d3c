package dev.optinfleet.schemas.job;

import dev.optinfleet.schemas.Checks;

import java.util.List;

/**
 * A pruning job as submitted (REST {@code POST /jobs}, the CLI, or a checkpoint event). Schema:
 * {@code /schemas/job-request.schema.json}.
 *
 * @param schemaVersion   1
 * @param name            model name for outputs and the registry; default: the model's key
 * @param modelUri        s3://bucket/key of a checkpoint: a {@code config.json} (its directory holds
 *                        {@code model.safetensors} and {@code tokenizer.json}) or an {@code .onnx} file
 * @param tokenizerUri    tokenizer.json, when not next to the model
 * @param calibrationUris JSON Lines shards with a "text" field
 * @param budgets         kept fractions of prunable FLOPs, each in (0, 1]
 * @param scoring         scorer and settings; null = the product default
 * @param neuronsPerTask  neurons per exact scoring task; null = coordinator default
 * @param samplesPerTask  samples per fisher task; null = coordinator default
 * @param outputPrefix    s3://bucket/prefix for results; null = coordinator default
 * @param evaluationUri   labelled JSON Lines for accuracy in the report; optional
 * @param source          who asked: rest, cli, event
 * @param repair          how the kept weights are repaired after masking: none, bias, full (least-squares
 *                        reconstruction on the calibration shards, run in the coordinator's finishing step) or
 *                        reselect (full, choosing each layer's kept units again on the repaired model); null =
 *                        the product default, which the coordinator records in the request before planning
 * @param submittedBy     the authenticated principal who submitted the job (the bearer token's name, {@code upn});
 *                        set by the coordinator from the token of {@code POST /jobs}, whatever the body said, and
 *                        null for jobs that did not come through the REST API (checkpoint events, the request topic),
 *                        whose claim the coordinator cannot check
 */
public record JobRequest(int schemaVersion, String name, String modelUri, String tokenizerUri,
                         List<String> calibrationUris, List<Double> budgets, ScoringSpec scoring,
                         Integer neuronsPerTask, Integer samplesPerTask, String outputPrefix, String evaluationUri,
                         String source, String repair, String submittedBy) {
    public static final int SCHEMA_VERSION = 1;
    /** Accepted values of {@code repair}. */
    public static final List<String> REPAIRS = List.of("none", "bias", "full", "reselect");
    /** Longest {@code submitted_by}; principal names are user or service names, not documents. */
    public static final int MAX_SUBMITTER_LENGTH = 256;

    /** A request submitted by nobody in particular (no authenticated principal). */
    public JobRequest(int schemaVersion, String name, String modelUri, String tokenizerUri,
                      List<String> calibrationUris, List<Double> budgets, ScoringSpec scoring,
                      Integer neuronsPerTask, Integer samplesPerTask, String outputPrefix, String evaluationUri,
                      String source, String repair) {
        this(schemaVersion, name, modelUri, tokenizerUri, calibrationUris, budgets, scoring, neuronsPerTask,
                samplesPerTask, outputPrefix, evaluationUri, source, repair, null);
    }

    /** A request with the product's default repair. */
    public JobRequest(int schemaVersion, String name, String modelUri, String tokenizerUri,
                      List<String> calibrationUris, List<Double> budgets, ScoringSpec scoring,
                      Integer neuronsPerTask, Integer samplesPerTask, String outputPrefix, String evaluationUri,
                      String source) {
        this(schemaVersion, name, modelUri, tokenizerUri, calibrationUris, budgets, scoring, neuronsPerTask,
                samplesPerTask, outputPrefix, evaluationUri, source, null, null);
    }

    public JobRequest {
        if (repair != null && !REPAIRS.contains(repair)) {
            throw new IllegalArgumentException("repair must be one of " + REPAIRS + ", was '" + repair + "'");
        }
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.s3Uri("model_uri", modelUri);
        if (tokenizerUri != null) {
            Checks.s3Uri("tokenizer_uri", tokenizerUri);
        }
        calibrationUris = Checks.nonEmpty("calibration_uris", calibrationUris);
        for (int i = 0; i < calibrationUris.size(); i++) {
            Checks.s3Uri("calibration_uris[" + i + "]", calibrationUris.get(i));
        }
        budgets = Checks.nonEmpty("budgets", budgets);
        for (int i = 0; i < budgets.size(); i++) {
            if (budgets.get(i) == null) {
                throw new IllegalArgumentException("budgets[" + i + "] is null");
            }
            Checks.budget("budgets[" + i + "]", budgets.get(i));
        }
        if (neuronsPerTask != null) {
            Checks.atLeast("neurons_per_task", neuronsPerTask, 1);
        }
        if (samplesPerTask != null) {
            Checks.atLeast("samples_per_task", samplesPerTask, 1);
        }
        if (outputPrefix != null && !outputPrefix.startsWith("s3://")) {
            throw new IllegalArgumentException("output_prefix must start with s3://, was '" + outputPrefix + "'");
        }
        if (evaluationUri != null) {
            Checks.s3Uri("evaluation_uri", evaluationUri);
        }
        if (submittedBy != null) {
            checkSubmitter(submittedBy);
        }
    }

    /**
     * A submitter is shown in reports and stored in registry tags: non-blank, at most
     * {@value #MAX_SUBMITTER_LENGTH} characters, no control characters.
     */
    private static void checkSubmitter(String submittedBy) {
        if (submittedBy.isBlank() || submittedBy.length() > MAX_SUBMITTER_LENGTH
                || submittedBy.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("submitted_by must be 1-" + MAX_SUBMITTER_LENGTH
                    + " characters without control characters, was '" + submittedBy + "'");
        }
    }

    /** The same request with {@code repair} set. */
    public JobRequest withRepair(String newRepair) {
        return new JobRequest(schemaVersion, name, modelUri, tokenizerUri, calibrationUris, budgets, scoring,
                neuronsPerTask, samplesPerTask, outputPrefix, evaluationUri, source, newRepair, submittedBy);
    }

    /** The same request with {@code source} and {@code submitted_by} set (null: no authenticated submitter). */
    public JobRequest withSubmitter(String newSource, String newSubmittedBy) {
        return new JobRequest(schemaVersion, name, modelUri, tokenizerUri, calibrationUris, budgets, scoring,
                neuronsPerTask, samplesPerTask, outputPrefix, evaluationUri, newSource, repair, newSubmittedBy);
    }
}
