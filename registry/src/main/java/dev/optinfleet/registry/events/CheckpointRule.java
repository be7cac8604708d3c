package dev.optinfleet.registry.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.job.ScoringSpec;

import java.util.List;

/**
 * Which checkpoints start a job, and with what settings: one entry of the policy's {@code rules}. JSON names are
 * snake_case (see {@link CheckpointPolicy#fromJson}).
 *
 * @param name            the rule's name, in logs and rejections
 * @param bucket          the bucket it watches
 * @param keys            a {@link KeyGlob} over the uploaded object's key, e.g. {@code minilm/**} or
 *                        {@code **}{@code /config.json}
 * @param budgets         kept fractions of prunable FLOPs, each in (0, 1]
 * @param calibrationUris calibration shards (JSON Lines)
 * @param scoring         scorer and settings; null = the product default
 * @param outputPrefix    where results go, {@code s3://bucket/prefix}; null = coordinator default
 * @param modelName       registry name of the outputs; null = the coordinator's default (from the model key)
 * @param tokenizerUri    tokenizer.json to use instead of the one next to the model; null = next to the model
 * @param neuronsPerTask  null = coordinator default
 * @param samplesPerTask  null = coordinator default
 * @param evaluationUri   labelled JSON Lines for accuracy; optional
 */
public record CheckpointRule(String name, String bucket, String keys, List<Double> budgets,
                             List<String> calibrationUris, ScoringSpec scoring, String outputPrefix, String modelName,
                             String tokenizerUri, Integer neuronsPerTask, Integer samplesPerTask,
                             String evaluationUri) {

    public CheckpointRule {
        Checks.required("name", name);
        String where = "rule '" + name + "': ";
        try {
            Checks.required("bucket", bucket);
            Checks.required("keys", keys);
            KeyGlob.of(keys);
            budgets = Checks.nonEmpty("budgets", budgets);
            for (int i = 0; i < budgets.size(); i++) {
                if (budgets.get(i) == null) {
                    throw new IllegalArgumentException("budgets[" + i + "] is null");
                }
                Checks.budget("budgets[" + i + "]", budgets.get(i));
            }
            calibrationUris = Checks.nonEmpty("calibration_uris", calibrationUris);
            for (int i = 0; i < calibrationUris.size(); i++) {
                Checks.s3Uri("calibration_uris[" + i + "]", calibrationUris.get(i));
            }
            if (outputPrefix != null && !outputPrefix.startsWith("s3://")) {
                throw new IllegalArgumentException("output_prefix must start with s3://, was '" + outputPrefix + "'");
            }
            if (tokenizerUri != null) {
                Checks.s3Uri("tokenizer_uri", tokenizerUri);
            }
            if (evaluationUri != null) {
                Checks.s3Uri("evaluation_uri", evaluationUri);
            }
            if (neuronsPerTask != null) {
                Checks.atLeast("neurons_per_task", neuronsPerTask, 1);
            }
            if (samplesPerTask != null) {
                Checks.atLeast("samples_per_task", samplesPerTask, 1);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    /** A rule with only the required settings. */
    public static CheckpointRule of(String name, String bucket, String keys, List<Double> budgets,
                                    List<String> calibrationUris) {
        return new CheckpointRule(name, bucket, keys, budgets, calibrationUris, null, null, null, null, null, null,
                null);
    }

    /** Whether an object at {@code bucket}/{@code key} falls under this rule. */
    public boolean covers(String bucket, String key) {
        return this.bucket.equals(bucket) && glob().matches(key);
    }

    @JsonIgnore
    KeyGlob glob() {
        return KeyGlob.of(keys);
    }
}
