package dev.optinfleet.core.reconstruct;

import java.util.Arrays;
import java.util.Locale;

/**
 * What is refit after masking.
 *
 * <ul>
 *   <li>{@link #NONE}: the mask only; the pruned model is the dense one with units removed.</li>
 *   <li>{@link #BIAS}: only each output projection's bias, b* = mean over calibration tokens of (Y - H_K W_K):
 *       FLAP's compensation b += Σ_removed E[h_i] W[:, i], extended by the drift earlier layers left in the
 *       residual stream (the same target Y as {@link #FULL}).</li>
 *   <li>{@link #FULL}: the kept columns and the bias by ridge least squares (K-prune's weight tuning).</li>
 *   <li>{@link #RESELECT}: as {@link #FULL}, but before each sublayer is refit its kept units are chosen again on
 *       the repaired model's input, keeping the mask's per-layer counts (so the same FLOPs): K-prune's rescoring of
 *       the remaining units, with the closed-form criterion of {@link UnitReselection}. The applied mask
 *       ({@link Reconstruction#mask()}) then differs from the scorer's.</li>
 * </ul>
 */
public enum Repair {
    NONE("none"), BIAS("bias"), FULL("full"), RESELECT("reselect");

    private final String wireName;

    Repair(String wireName) {
        this.wireName = wireName;
    }

    /** The name in mask.json, job requests and on the command line. */
    public String wireName() {
        return wireName;
    }

    /** Whether the kept columns of W are refit (not only the bias). */
    public boolean refitsWeights() {
        return this == FULL || this == RESELECT;
    }

    /**
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Repair parse(String field, String value) {
        if (value != null) {
            for (Repair r : values()) {
                if (r.wireName.equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException(field + " must be one of "
                + Arrays.stream(values()).map(Repair::wireName).toList() + ", was '" + value + "'");
    }
}
