package dev.optinfleet.core.scoring;

import dev.optinfleet.schemas.job.ScoringSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything besides the checkpoint and the shard that determines a score, recorded with every result so runs are
 * reproducible. Defaults are the paper's released settings where the paper has one (optin.md).
 *
 * @param scorer              which estimator
 * @param tokenRows           K, token rows per Gram matrix (768)
 * @param lambda              the output term is weighted to about 1/lambda of the feature term (10)
 * @param outputWeight        w, fixed; NaN = derived once per job from the medians of the two terms
 * @param headMultiplier      head scores × this (0.5 for trajectory, 1 otherwise)
 * @param lastLayerMultiplier scores of the last layer's units × this (0.5 for trajectory, 1 otherwise)
 * @param seed                token-row sample and Fisher probes
 * @param maxSamples          samples used per shard (128, the paper's batch)
 * @param unitBatch           most removed units evaluated in one batched pass by the exact scorers (fewer on
 *                            large shards, see {@link ExactScorer})
 * @param fisherProbes        random output probes per sample for {@code fisher}
 * @param fisherBatch         most samples per gradient pass (fewer when the memory budget says so; results do not
 *                            depend on it)
 * @param maxLength           texts are cut to this many tokens, special tokens included; 0 = the model's
 *                            maximum positions
 */
public record ScoringSettings(ScorerKind scorer, int tokenRows, double lambda, double outputWeight,
                              double headMultiplier, double lastLayerMultiplier, long seed, int maxSamples,
                              int unitBatch, int fisherProbes, int fisherBatch, int maxLength) {

    public ScoringSettings {
        Objects.requireNonNull(scorer, "scorer");
        if (tokenRows <= 0) {
            throw new IllegalArgumentException("tokenRows must be > 0, was " + tokenRows);
        }
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a positive number, was " + lambda);
        }
        if (!Double.isNaN(outputWeight) && !(outputWeight >= 0 && Double.isFinite(outputWeight))) {
            throw new IllegalArgumentException("outputWeight must be >= 0 (or NaN for automatic), was "
                    + outputWeight);
        }
        if (!(headMultiplier > 0) || !(lastLayerMultiplier > 0)) {
            throw new IllegalArgumentException("multipliers must be > 0, were head " + headMultiplier
                    + ", last layer " + lastLayerMultiplier);
        }
        if (maxSamples <= 0 || unitBatch <= 0 || fisherProbes <= 0 || fisherBatch <= 0) {
            throw new IllegalArgumentException("maxSamples, unitBatch, fisherProbes and fisherBatch must be > 0,"
                    + " were " + maxSamples + ", " + unitBatch + ", " + fisherProbes + ", " + fisherBatch);
        }
        if (maxLength != 0 && maxLength < 2) {
            throw new IllegalArgumentException("max length must be >= 2 tokens (room for [CLS] and [SEP]), or 0 for"
                    + " the model's maximum, was " + maxLength);
        }
    }

    /** Settings without a length cap (the model's maximum positions). */
    public ScoringSettings(ScorerKind scorer, int tokenRows, double lambda, double outputWeight,
                           double headMultiplier, double lastLayerMultiplier, long seed, int maxSamples,
                           int unitBatch, int fisherProbes, int fisherBatch) {
        this(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier, seed, maxSamples,
                unitBatch, fisherProbes, fisherBatch, 0);
    }

    /**
     * The longest sequence the tokenizer may produce for a model of {@code maxPositions} positions.
     *
     * @throws IllegalArgumentException when the cap exceeds the model's positions
     */
    public int tokenLimit(int maxPositions) {
        if (maxLength > maxPositions) {
            throw new IllegalArgumentException("max length " + maxLength + " exceeds the model's "
                    + maxPositions + " positions (max_position_embeddings)");
        }
        return maxLength == 0 ? maxPositions : maxLength;
    }

    /**
     * The defaults of a scorer: the paper's multipliers and lambda 10 for trajectory; no multipliers for the
     * estimators, and lambda 0.3 for fisher_trajectory (tied first of 3, 1, 0.3 and 0.1 on the quality
     * benchmark's validation split).
     */
    public static ScoringSettings defaults(ScorerKind scorer) {
        boolean paper = scorer == ScorerKind.TRAJECTORY;
        double lambda = scorer == ScorerKind.FISHER_TRAJECTORY ? 0.3 : 10.0;
        return new ScoringSettings(scorer, 768, lambda, Double.NaN, paper ? 0.5 : 1.0, paper ? 0.5 : 1.0, 0L, 128,
                16, 8, 8);
    }

    /**
     * The settings a wire spec means: the scorer's {@link #defaults} overridden by every non-null field of the spec.
     * A null spec, or one that names no scorer, means {@code defaultScorer}; each application keeps its own rule for
     * that case (the coordinator defaults it, the worker rejects it before calling).
     *
     * @param spec          a possibly partial, possibly null wire spec
     * @param defaultScorer the scorer when the spec names none
     */
    public static ScoringSettings fromSpec(ScoringSpec spec, ScorerKind defaultScorer) {
        ScorerKind scorer = spec == null || spec.scorer() == null
                ? Objects.requireNonNull(defaultScorer, "defaultScorer")
                : ScorerKind.fromWireName(spec.scorer());
        ScoringSettings d = defaults(scorer);
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
                or(spec.fisherBatch(), d.fisherBatch()),
                or(spec.maxLength(), d.maxLength()));
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

    public ScoringSettings withLambda(double newLambda) {
        return new ScoringSettings(scorer, tokenRows, newLambda, outputWeight, headMultiplier, lastLayerMultiplier,
                seed, maxSamples, unitBatch, fisherProbes, fisherBatch, maxLength);
    }

    public ScoringSettings withMaxSamples(int samples) {
        return new ScoringSettings(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier,
                seed, samples, unitBatch, fisherProbes, fisherBatch, maxLength);
    }

    public ScoringSettings withSeed(long newSeed) {
        return new ScoringSettings(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier,
                newSeed, maxSamples, unitBatch, fisherProbes, fisherBatch, maxLength);
    }

    public ScoringSettings withUnitBatch(int units) {
        return new ScoringSettings(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier,
                seed, maxSamples, units, fisherProbes, fisherBatch, maxLength);
    }

    public ScoringSettings withTokenRows(int k) {
        return new ScoringSettings(scorer, k, lambda, outputWeight, headMultiplier, lastLayerMultiplier,
                seed, maxSamples, unitBatch, fisherProbes, fisherBatch, maxLength);
    }

    public ScoringSettings withFisher(int probes, int batch) {
        return new ScoringSettings(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier,
                seed, maxSamples, unitBatch, probes, batch, maxLength);
    }

    public ScoringSettings withMaxLength(int tokens) {
        return new ScoringSettings(scorer, tokenRows, lambda, outputWeight, headMultiplier, lastLayerMultiplier,
                seed, maxSamples, unitBatch, fisherProbes, fisherBatch, tokens);
    }

    /** Whether the scorer needs the Gram-matrix feature term. */
    public boolean needsFeatureTerm() {
        return scorer == ScorerKind.TRAJECTORY || scorer == ScorerKind.FISHER_TRAJECTORY;
    }

    /** A flat description for mask.json and job results (w is added by whoever derives it). */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scorer", scorer.wireName());
        if (scorer == ScorerKind.TRAJECTORY) {
            m.put("token_rows", tokenRows);
        }
        if (needsFeatureTerm()) {
            m.put("lambda", lambda);
            if (!Double.isNaN(outputWeight)) {
                m.put("output_weight", outputWeight);
            }
        }
        m.put("head_multiplier", headMultiplier);
        m.put("last_layer_multiplier", lastLayerMultiplier);
        m.put("seed", seed);
        m.put("max_samples", maxSamples);
        if (maxLength > 0) {
            m.put("max_length", maxLength);
        }
        if (scorer.gradient()) {
            m.put("fisher_probes", fisherProbes);
            m.put("fisher_batch", fisherBatch);
        }
        return m;
    }
}
