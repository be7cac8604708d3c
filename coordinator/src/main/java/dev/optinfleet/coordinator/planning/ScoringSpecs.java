package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.schemas.job.ScoringSpec;

/**
 * Wire scoring settings to core's and back. The coordinator completes every spec before planning, so that a task
 * means the same thing to every worker whatever its own defaults are, and a job re-planned after a restart gets the
 * same tasks. The worker reads specs with the same rule (its {@code ScoringSpecs.toSettings}: a null field is the
 * scorer's default); the mapping is repeated here, small, because neither application depends on the other.
 */
public final class ScoringSpecs {
    /** The scorer of a request that names none: label-free, needs no exact leave-one-out passes. */
    public static final String DEFAULT_SCORER = ScorerKind.FISHER.wireName();

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
                s.lastLayerMultiplier(), s.seed(), s.maxSamples(), s.unitBatch(), s.fisherProbes(), s.fisherBatch());
    }

    /** The settings a (possibly partial, possibly null) spec means. */
    public static ScoringSettings toSettings(ScoringSpec spec) {
        String scorer = spec == null || spec.scorer() == null ? DEFAULT_SCORER : spec.scorer();
        ScoringSettings d = ScoringSettings.defaults(ScorerKind.fromWireName(scorer));
        if (spec == null) {
            return d;
        }
        return new ScoringSettings(d.scorer(),
                or(spec.tokenRows(), d.tokenRows()),
                or(spec.lambda(), d.lambda()),
                or(spec.outputWeight(), d.outputWeight()),
                or(spec.headMultiplier(), d.headMultiplier()),
                or(spec.lastLayerMultiplier(), d.lastLayerMultiplier()),
                or(spec.seed(), d.seed()),
                or(spec.maxSamples(), d.maxSamples()),
                or(spec.unitBatch(), d.unitBatch()),
                or(spec.fisherProbes(), d.fisherProbes()),
                or(spec.fisherBatch(), d.fisherBatch()));
    }

    private static int or(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    private static long or(Long value, long fallback) {
        return value == null ? fallback : value;
    }

    private static double or(Double value, double fallback) {
        return value == null ? fallback : value;
    }
}
