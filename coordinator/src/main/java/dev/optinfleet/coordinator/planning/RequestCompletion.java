package dev.optinfleet.coordinator.planning;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.S3Uri;
import jakarta.inject.Singleton;

import java.util.regex.Pattern;

/**
 * Turns a request as submitted into the complete request the job runs and records: every default the coordinator
 * applies is written into it (name, tokenizer, scoring settings, task sizes, output prefix), so that the plan is a
 * function of the recorded request alone and a restarted coordinator, even one configured differently, re-derives
 * the same tasks.
 */
@Singleton
public class RequestCompletion {
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]+");

    private final CoordinatorSettings settings;

    public RequestCompletion(CoordinatorSettings settings) {
        this.settings = settings;
    }

    /**
     * @throws IllegalArgumentException naming the field when a value is not usable (model_uri neither a config.json
     *                                  nor an .onnx file, an S3 URI with an invalid bucket, an unusable name or
     *                                  output prefix)
     */
    public JobRequest complete(JobRequest r) {
        S3Uri model = uri("model_uri", r.modelUri());
        ModelObjects.objects(model);
        String tokenizer = r.tokenizerUri() != null ? uri("tokenizer_uri", r.tokenizerUri()).toString()
                : ModelObjects.defaultTokenizer(model).toString();
        for (int i = 0; i < r.calibrationUris().size(); i++) {
            uri("calibration_uris[" + i + "]", r.calibrationUris().get(i));
        }
        String prefix = r.outputPrefix() != null ? outputPrefix(r.outputPrefix()) : settings.outputPrefix().toString();
        return new JobRequest(r.schemaVersion(), name(r.name(), model), r.modelUri(), tokenizer, r.calibrationUris(),
                r.budgets(), ScoringSpecs.complete(r.scoring()),
                r.neuronsPerTask() != null ? r.neuronsPerTask() : settings.neuronsPerTask(),
                r.samplesPerTask() != null ? r.samplesPerTask() : settings.samplesPerTask(),
                prefix, r.evaluationUri(), r.source(),
                // recorded, so that a restarted coordinator and the outputs agree on what was asked
                r.repair() != null ? r.repair() : ReconstructionSettings.DEFAULT_REPAIR.wireName(),
                r.submittedBy());
    }

    /**
     * The name outputs go under: the request's, else the model's "directory" ({@code models/minilm/1/model.onnx}
     * -> {@code models-minilm-1}); characters other than letters, digits, '.', '_' and '-' become '-', so the name
     * is one path segment of the output keys.
     */
    public static String name(String requested, S3Uri model) {
        String raw;
        if (requested != null && !requested.isBlank()) {
            raw = requested.trim();
        } else {
            String key = model.key();
            int slash = key.lastIndexOf('/');
            raw = slash > 0 ? key.substring(0, slash) : stripExtension(key);
        }
        String safe = UNSAFE.matcher(raw).replaceAll("-").replaceAll("^[-.]+|[-.]+$", "");
        if (safe.isEmpty()) {
            throw new IllegalArgumentException("name must contain a letter or digit, was '" + requested + "'");
        }
        return safe.length() > 128 ? safe.substring(0, 128) : safe;
    }

    private static String stripExtension(String key) {
        int dot = key.lastIndexOf('.');
        return dot > 0 ? key.substring(0, dot) : key;
    }

    private static String outputPrefix(String value) {
        S3Uri uri = uri("output_prefix", value);
        String key = uri.key().endsWith("/") ? uri.key().substring(0, uri.key().length() - 1) : uri.key();
        return S3Uri.of(uri.bucket(), key).toString();
    }

    private static S3Uri uri(String field, String value) {
        try {
            return S3Uri.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }
}
