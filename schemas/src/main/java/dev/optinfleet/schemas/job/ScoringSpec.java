package dev.optinfleet.schemas.job;

/**
 * Scoring settings on the wire. Every field but {@code scorer} may be null, meaning the scorer's default (see
 * core's {@code ScoringSettings.defaults}); the coordinator fills them in before planning, so tasks always carry a
 * complete spec.
 */
public record ScoringSpec(String scorer, Integer tokenRows, Double lambda, Double outputWeight,
                          Double headMultiplier, Double lastLayerMultiplier, Long seed, Integer maxSamples,
                          Integer unitBatch, Integer fisherProbes, Integer fisherBatch, Integer maxLength) {

    public ScoringSpec {
        if (scorer != null && !java.util.List.of("trajectory", "output", "fisher", "fisher_trajectory").contains(scorer)) {
            throw new IllegalArgumentException("scoring.scorer must be one of trajectory, output, fisher,"
                    + " fisher_trajectory, was '"
                    + scorer + "'");
        }
        positive("scoring.token_rows", tokenRows);
        positive("scoring.max_samples", maxSamples);
        positive("scoring.unit_batch", unitBatch);
        positive("scoring.fisher_probes", fisherProbes);
        positive("scoring.fisher_batch", fisherBatch);
        if (maxLength != null && maxLength < 2) {
            throw new IllegalArgumentException("scoring.max_length must be >= 2 tokens (room for [CLS] and [SEP]),"
                    + " was " + maxLength);
        }
        if (lambda != null && !(lambda > 0)) {
            throw new IllegalArgumentException("scoring.lambda must be > 0, was " + lambda);
        }
        if (outputWeight != null && !(outputWeight >= 0)) {
            throw new IllegalArgumentException("scoring.output_weight must be >= 0, was " + outputWeight);
        }
        if (headMultiplier != null && !(headMultiplier > 0)) {
            throw new IllegalArgumentException("scoring.head_multiplier must be > 0, was " + headMultiplier);
        }
        if (lastLayerMultiplier != null && !(lastLayerMultiplier > 0)) {
            throw new IllegalArgumentException("scoring.last_layer_multiplier must be > 0, was "
                    + lastLayerMultiplier);
        }
    }

    /** A spec without a length cap (the model's maximum positions). */
    public ScoringSpec(String scorer, Integer tokenRows, Double lambda, Double outputWeight, Double headMultiplier,
                       Double lastLayerMultiplier, Long seed, Integer maxSamples, Integer unitBatch,
                       Integer fisherProbes, Integer fisherBatch) {
        this(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier, seed, maxSamples,
                unitBatch, fisherProbes, fisherBatch, null);
    }

    /** Only the scorer named; everything else at its default. */
    public static ScoringSpec of(String scorer) {
        return new ScoringSpec(scorer, null, null, null, null, null, null, null, null, null, null);
    }

    private static void positive(String field, Integer value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, was " + value);
        }
    }
}
