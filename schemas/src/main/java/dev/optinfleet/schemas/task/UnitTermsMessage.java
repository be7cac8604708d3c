package dev.optinfleet.schemas.task;

import java.util.Objects;

/**
 * Terms of a contiguous range of units of one kind ("head" or "neuron") in one layer: sums over the task's samples.
 */
public record UnitTermsMessage(int layer, String kind, int from, double[] feature, double[] output) {
    public UnitTermsMessage {
        if (layer < 0 || from < 0) {
            throw new IllegalArgumentException("terms need layer >= 0 and from >= 0, was layer " + layer + ", from "
                    + from);
        }
        if (!"head".equals(kind) && !"neuron".equals(kind)) {
            throw new IllegalArgumentException("terms.kind must be head or neuron, was '" + kind + "'");
        }
        Objects.requireNonNull(feature, "terms.feature is required");
        Objects.requireNonNull(output, "terms.output is required");
        if (feature.length != output.length) {
            throw new IllegalArgumentException("terms.feature has " + feature.length + " entries but terms.output has "
                    + output.length);
        }
    }
}
