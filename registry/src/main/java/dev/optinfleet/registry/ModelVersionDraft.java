package dev.optinfleet.registry;

import dev.optinfleet.schemas.mask.MaskDocument;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model version to register, before the registry gives it a version number and a time. Validated like
 * {@link ModelVersion}, naming the bad field.
 *
 * @param name          registered model name (see {@link ModelVersion#checkName})
 * @param parent        the model it was pruned from
 * @param jobId         the pruning job that produced it
 * @param submittedBy   the principal who submitted the job; null when none was authenticated
 * @param budget        the kept fraction of prunable FLOPs asked for, in (0, 1]
 * @param flops         MACs per sequence, prunable and total, before and after
 * @param keptFraction  prunable_after / prunable_before of the chosen mask
 * @param scoring       scorer name ({@code scorer}) and its settings, flat, values strings, numbers or booleans
 * @param accuracy      accuracy on the job's evaluation set, in [0, 1]; null when not measured
 * @param checkpointUri the pruned checkpoint (its config.json)
 * @param maskUri       its mask.json
 * @param onnxUri       its model.onnx, or null when none was written
 */
public record ModelVersionDraft(String name, ParentModel parent, String jobId, String submittedBy, double budget,
                                MaskDocument.Flops flops,
                                double keptFraction, Map<String, Object> scoring, Double accuracy,
                                String checkpointUri, String maskUri, String onnxUri) {
    public ModelVersionDraft {
        // One set of rules for drafts and versions: build the version it would become.
        ModelVersion checked = new ModelVersion(ModelVersion.SCHEMA_VERSION, name, 1, parent, jobId, submittedBy,
                budget, flops, keptFraction, scoring, accuracy, checkpointUri, maskUri, onnxUri, 0);
        scoring = checked.scoring();
    }

    /**
     * The draft for one budget's output of a job, from its mask document: budget, kept fraction, FLOPs and scoring
     * ({@code scorer} plus the scorer's settings) come from the mask.
     */
    public static ModelVersionDraft fromMask(String name, ParentModel parent, String jobId, String submittedBy,
                                             MaskDocument mask, String checkpointUri, String maskUri,
                                             String onnxUri, Double accuracy) {
        Map<String, Object> scoring = new LinkedHashMap<>();
        scoring.put("scorer", mask.scoring().scorer());
        scoring.putAll(mask.scoring().settings());
        return new ModelVersionDraft(name, parent, jobId, submittedBy, mask.budget(), mask.flops(),
                mask.keptFraction(), scoring, accuracy, checkpointUri, maskUri, onnxUri);
    }

    /** The version this draft becomes as number {@code version}, registered at {@code createdAt} (epoch ms). */
    public ModelVersion toVersion(int version, long createdAt) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, name, version, parent, jobId, submittedBy, budget, flops,
                keptFraction, scoring, accuracy, checkpointUri, maskUri, onnxUri, createdAt);
    }

    /** Whether {@code existing} is this draft already registered: same name, job and budget. */
    public boolean sameOutputAs(ModelVersion existing) {
        return existing.name().equals(name) && existing.jobId().equals(jobId)
                && Double.compare(existing.budget(), budget) == 0;
    }
}
