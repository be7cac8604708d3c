package dev.optinfleet.registry;

import dev.optinfleet.schemas.mask.MaskDocument;

import java.util.LinkedHashMap;
import java.util.Map;

/** Drafts for tests: one pruned output of a job on a MiniLM-sized model. */
public final class Drafts {
    private Drafts() {
    }

    public static ModelVersionDraft draft(String name, String jobId, double budget) {
        return draft(name, jobId, budget, null);
    }

    /** As {@link #draft(String, String, double)}, for a job submitted by {@code submittedBy}. */
    public static ModelVersionDraft draft(String name, String jobId, double budget, String submittedBy) {
        Map<String, Object> scoring = new LinkedHashMap<>();
        scoring.put("scorer", "trajectory");
        scoring.put("token_rows", 128);
        scoring.put("lambda", 0.5);
        scoring.put("seed", 42L);
        double prunableBefore = 1.0e9;
        double prunableAfter = prunableBefore * budget * 0.99;
        MaskDocument.Flops flops = new MaskDocument.Flops(prunableBefore, prunableAfter, 1.2e9,
                1.2e9 - (prunableBefore - prunableAfter));
        String out = "s3://optin/pruned/" + name + "/" + jobId + "/" + budget;
        return new ModelVersionDraft(name,
                new ParentModel("s3://models/" + name + "/config.json", null, null, "etag-" + name), jobId,
                submittedBy, budget, flops, prunableAfter / prunableBefore, scoring, 0.81, out + "/config.json",
                out + "/mask.json", out + "/model.onnx");
    }
}
