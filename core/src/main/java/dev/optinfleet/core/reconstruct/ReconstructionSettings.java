package dev.optinfleet.core.reconstruct;

import java.util.Objects;

/**
 * How reconstruction runs.
 *
 * @param repair        what is refit
 * @param relativeRidge alpha: the ridge term is lambda = alpha · trace(HᵀH) / k for k kept input columns, i.e. a
 *                      fraction of the mean diagonal of HᵀH, so it scales with the activations; > 0 (it keeps
 *                      the normal equations solvable with fewer tokens than unknowns)
 * @param tokensPerPass rows R·S of one micro-batch (padding included): bounds the activations held at once,
 *                      e.g. 4096 rows of an F = 1536 FFN are 4096·1536 floats = 25 MB plus a double copy
 */
public record ReconstructionSettings(Repair repair, double relativeRidge, int tokensPerPass) {
    /** Ridge fraction used unless set; chosen on the quality benchmark's validation split (docs/reconstruction.md). */
    public static final double DEFAULT_RELATIVE_RIDGE = 1e-2;
    public static final int DEFAULT_TOKENS_PER_PASS = 4096;
    /** The product's default repair; chosen on the quality benchmark's validation split (docs/reconstruction.md). */
    public static final Repair DEFAULT_REPAIR = Repair.FULL;

    public ReconstructionSettings {
        Objects.requireNonNull(repair, "repair");
        if (!(relativeRidge > 0 && Double.isFinite(relativeRidge))) {
            throw new IllegalArgumentException("relative ridge must be finite and > 0, was " + relativeRidge);
        }
        if (tokensPerPass < 1) {
            throw new IllegalArgumentException("tokens per pass must be >= 1, was " + tokensPerPass);
        }
    }

    public static ReconstructionSettings of(Repair repair) {
        return new ReconstructionSettings(repair, DEFAULT_RELATIVE_RIDGE, DEFAULT_TOKENS_PER_PASS);
    }

    public static ReconstructionSettings defaults() {
        return of(DEFAULT_REPAIR);
    }

    public ReconstructionSettings withRelativeRidge(double alpha) {
        return new ReconstructionSettings(repair, alpha, tokensPerPass);
    }

    public ReconstructionSettings withTokensPerPass(int rows) {
        return new ReconstructionSettings(repair, relativeRidge, rows);
    }
}
