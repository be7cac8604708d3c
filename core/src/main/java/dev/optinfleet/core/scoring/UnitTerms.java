package dev.optinfleet.core.scoring;

import java.util.Arrays;
import java.util.Objects;

/**
 * Raw importance terms of a contiguous range of units of one kind in one layer, from one or more shards:
 * the result of one scoring task. Terms are sums over samples, so the terms of several shards add up.
 *
 * @param layer   layer l
 * @param kind    heads or neurons
 * @param from    first unit index in the layer
 * @param feature feature term per unit (sum of Gram distances of later layers), or zeros when not computed
 * @param output  output term per unit (KL of the logits, or squared distance of pooled outputs without a head;
 *                for {@code fisher} its gradient estimate)
 */
public record UnitTerms(int layer, UnitKind kind, int from, double[] feature, double[] output) {

    public UnitTerms {
        if (layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, was " + layer);
        }
        Objects.requireNonNull(kind, "kind");
        if (from < 0) {
            throw new IllegalArgumentException("from must be >= 0, was " + from);
        }
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(output, "output");
        if (feature.length != output.length) {
            throw new IllegalArgumentException("feature has " + feature.length + " units but output has "
                    + output.length);
        }
        for (int i = 0; i < feature.length; i++) {
            if (!Double.isFinite(feature[i]) || !Double.isFinite(output[i])) {
                throw new IllegalArgumentException("layer " + layer + " " + kind + " " + (from + i)
                        + ": term is not finite (feature " + feature[i] + ", output " + output[i] + ")");
            }
        }
        feature = feature.clone();
        output = output.clone();
    }

    public int size() {
        return feature.length;
    }

    @Override
    public double[] feature() {
        return feature.clone();
    }

    @Override
    public double[] output() {
        return output.clone();
    }

    public double feature(int i) {
        return feature[i];
    }

    public double output(int i) {
        return output[i];
    }

    /** Element-wise sum with the terms of the same units from another shard. */
    public UnitTerms plus(UnitTerms other) {
        if (other.layer != layer || other.kind != kind || other.from != from || other.size() != size()) {
            throw new IllegalArgumentException("cannot add terms of layer " + other.layer + " " + other.kind + " ["
                    + other.from + ", " + (other.from + other.size()) + ") to layer " + layer + " " + kind + " ["
                    + from + ", " + (from + size()) + ")");
        }
        double[] f = feature.clone();
        double[] o = output.clone();
        for (int i = 0; i < f.length; i++) {
            f[i] += other.feature[i];
            o[i] += other.output[i];
        }
        return new UnitTerms(layer, kind, from, f, o);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnitTerms t && layer == t.layer && kind == t.kind && from == t.from
                && Arrays.equals(feature, t.feature) && Arrays.equals(output, t.output);
    }

    @Override
    public int hashCode() {
        return Objects.hash(layer, kind, from, Arrays.hashCode(feature), Arrays.hashCode(output));
    }

    @Override
    public String toString() {
        return "UnitTerms[layer " + layer + " " + kind + " [" + from + ", " + (from + size()) + ")]";
    }
}
