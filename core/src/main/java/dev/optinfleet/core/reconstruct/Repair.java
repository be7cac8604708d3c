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
 * </ul>
 */
public enum Repair {
    NONE("none"), BIAS("bias"), FULL("full");

    private final String wireName;

    Repair(String wireName) {
        this.wireName = wireName;
    }

    /** The name in mask.json, job requests and on the command line. */
    public String wireName() {
        return wireName;
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
