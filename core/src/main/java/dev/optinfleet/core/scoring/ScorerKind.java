package dev.optinfleet.core.scoring;

import java.util.Locale;

/**
 * The family of importance estimators, all producing per-unit terms that are merged and solved the same way
 * (optin.md, "What we measured").
 */
public enum ScorerKind {
    /** The paper's score, exact leave-one-out: Gram-matrix drift of later features plus w × output KL. */
    TRAJECTORY,
    /** Exact leave-one-out divergence of the model output only. */
    OUTPUT,
    /** Label-free Gauss-Newton (Fisher) estimate of the output divergence from gate gradients. */
    FISHER,
    /**
     * The trajectory score estimated from gate gradients: the Fisher output term plus a Gauss-Newton estimate of
     * the Gram-matrix drift of every later layer's features, balanced by lambda like {@code trajectory}.
     */
    FISHER_TRAJECTORY;

    /**
     * The product's default scorer, wherever a request or a command names none: label-free, no exact leave-one-out
     * passes, tied first on the quality benchmark's validation split (README, "Which scorer"). A constant string so
     * that annotations (the CLI's option defaults) can name it; {@link #defaultKind()} is the same as an enum value.
     */
    public static final String DEFAULT_NAME = "fisher_trajectory";

    /** {@link #DEFAULT_NAME} as a kind. */
    public static ScorerKind defaultKind() {
        return fromWireName(DEFAULT_NAME);
    }

    /** Whether the scorer works from gate gradients over sample batches rather than exact leave-one-out passes. */
    public boolean gradient() {
        return this == FISHER || this == FISHER_TRAJECTORY;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ScorerKind fromWireName(String value) {
        for (ScorerKind k : values()) {
            if (k.wireName().equals(value)) {
                return k;
            }
        }
        throw new IllegalArgumentException("scorer must be one of trajectory, output, fisher, fisher_trajectory, was '"
                + value + "'");
    }
}
