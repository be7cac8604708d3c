package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.schemas.job.ScoringSpec;

/**
 * Wire scoring settings to core's and back. The coordinator completes every spec before planning, so that a task
 * means the same thing to every worker whatever its own defaults are, and a job re-planned after a restart gets the
 * same tasks. The worker reads specs with the same mapping ({@link ScoringSettings#fromSpec}: a null field is the
 * scorer's default).
 */
public final class ScoringSpecs {
    /** The scorer of a request that names none: label-free, needs no exact leave-one-out passes. */
    public static final String DEFAULT_SCORER = ScorerKind.DEFAULT_NAME;

    private ScoringSpecs() {
    }

    /**
     * The complete spec: the scorer (default {@value #DEFAULT_SCORER}) and every field set to the request's value or
     * the scorer's default. {@code output_weight} alone stays null when it is automatic (derived once per job from
     * the merged terms), as a number cannot say "automatic".
     */
    public static ScoringSpec complete(ScoringSpec spec) {
        ScoringSettings s = toSettings(spec);
        return new ScoringSpec(s.scorer().wireName(), s.tokenRows(), s.lambda(),
                Double.isNaN(s.outputWeight()) ? null : s.outputWeight(), s.headMultiplier(),
                s.lastLayerMultiplier(), s.seed(), s.maxSamples(), s.unitBatch(), s.fisherProbes(), s.fisherBatch(),
                s.maxLength() == 0 ? null : s.maxLength());
    }

    /** The settings a (possibly partial, possibly null) spec means; no scorer means {@value #DEFAULT_SCORER}. */
    public static ScoringSettings toSettings(ScoringSpec spec) {
        return ScoringSettings.fromSpec(spec, ScorerKind.defaultKind());
    }
}
