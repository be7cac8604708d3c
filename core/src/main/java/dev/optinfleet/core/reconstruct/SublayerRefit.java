package dev.optinfleet.core.reconstruct;

import java.util.Objects;

/**
 * What reconstruction did to one output projection.
 *
 * @param layer           l
 * @param sublayer        {@code attention} (W_o over kept heads' context columns) or {@code ffn} (W_2 over kept
 *                        neurons)
 * @param status          {@code refit}; {@code unchanged} (nothing removed at or below it: the dense weights are
 *                        already the exact solution); {@code skipped} (it keeps no unit, so, as in the masked
 *                        model, only its bias remains)
 * @param kept            k, kept input columns
 * @param tokens          calibration tokens in its statistics (0 unless refit)
 * @param lambda          the ridge term used (0 unless a full refit)
 * @param errorBefore     ||H W0 + b0 - Y||² summed over calibration tokens (0 unless refit)
 * @param errorAfter      ||H W* + b* - Y||² (0 unless refit)
 * @param underdetermined fewer tokens than kept columns: solvable only through the ridge term
 * @param reselected      units (heads or neurons) kept now that the scorer's mask had removed (as many kept units
 *                        of the scorer's went instead); 0 unless {@link Repair#RESELECT}
 */
public record SublayerRefit(int layer, String sublayer, String status, int kept, long tokens, double lambda,
                            double errorBefore, double errorAfter, boolean underdetermined, int reselected) {
    public static final String ATTENTION = "attention";
    public static final String FFN = "ffn";
    public static final String REFIT = "refit";
    public static final String UNCHANGED = "unchanged";
    public static final String SKIPPED = "skipped";

    public SublayerRefit {
        Objects.requireNonNull(sublayer, "sublayer");
        Objects.requireNonNull(status, "status");
    }

    static SublayerRefit untouched(int layer, String sublayer, String status, int kept) {
        return new SublayerRefit(layer, sublayer, status, kept, 0, 0, 0, 0, false, 0);
    }
}
