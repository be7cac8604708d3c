package dev.optinfleet.core.budget;

import java.util.Arrays;
import java.util.Objects;

/**
 * Importance of every attention head [L x H] and FFN neuron [L x F]; larger = more important. Immutable; the
 * accessors return copies.
 *
 * <p>Scores must be finite; negative values are allowed (a scorer may report that removing a unit helps). Scores of
 * shards add up ({@link #plus}), so merging is element-wise summation and is order-invariant up to floating-point
 * rounding. {@code -0.0} is stored as {@code 0.0} so that it ties with {@code 0.0}.
 */
public final class UnitScores {
    private final double[][] heads;
    private final double[][] neurons;

    /**
     * @param heads   [L][H] head scores, every row of the same length H >= 1
     * @param neurons [L][F] neuron scores, every row of the same length F >= 1
     * @throws IllegalArgumentException on ragged or mismatched shapes, or a NaN or infinite score (naming layer and
     *                                  unit)
     */
    public UnitScores(double[][] heads, double[][] neurons) {
        Objects.requireNonNull(heads, "heads");
        Objects.requireNonNull(neurons, "neurons");
        if (heads.length == 0) {
            throw new IllegalArgumentException("scores must cover at least one layer, got 0 head rows");
        }
        if (heads.length != neurons.length) {
            throw new IllegalArgumentException("scores have " + heads.length + " head rows but " + neurons.length
                    + " neuron rows; both must equal the number of layers");
        }
        this.heads = checked("head", heads);
        this.neurons = checked("neuron", neurons);
    }

    /** All scores 0: the identity of {@link #plus}. */
    public static UnitScores zeros(int layers, int headsPerLayer, int neuronsPerLayer) {
        return new UnitScores(new double[layers][headsPerLayer], new double[layers][neuronsPerLayer]);
    }

    public int layers() {
        return heads.length;
    }

    /** H. */
    public int headsPerLayer() {
        return heads[0].length;
    }

    /** F. */
    public int neuronsPerLayer() {
        return neurons[0].length;
    }

    public double head(int layer, int head) {
        return heads[layer][head];
    }

    public double neuron(int layer, int neuron) {
        return neurons[layer][neuron];
    }

    /** [L][H], a copy. */
    public double[][] heads() {
        return deepCopy(heads);
    }

    /** [L][F], a copy. */
    public double[][] neurons() {
        return deepCopy(neurons);
    }

    /**
     * Element-wise sum, for merging the scores of calibration shards.
     *
     * @throws IllegalArgumentException when the shapes differ (both shapes in the message)
     */
    public UnitScores plus(UnitScores other) {
        Objects.requireNonNull(other, "other");
        if (other.layers() != layers() || other.headsPerLayer() != headsPerLayer()
                || other.neuronsPerLayer() != neuronsPerLayer()) {
            throw new IllegalArgumentException("cannot add scores of shape " + other.shape() + " to " + shape());
        }
        double[][] h = new double[layers()][headsPerLayer()];
        double[][] n = new double[layers()][neuronsPerLayer()];
        for (int l = 0; l < layers(); l++) {
            for (int i = 0; i < h[l].length; i++) {
                h[l][i] = heads[l][i] + other.heads[l][i];
            }
            for (int i = 0; i < n[l].length; i++) {
                n[l][i] = neurons[l][i] + other.neurons[l][i];
            }
        }
        return new UnitScores(h, n);
    }

    /** "L x H heads, L x F neurons". */
    public String shape() {
        return layers() + " x " + headsPerLayer() + " heads, " + layers() + " x " + neuronsPerLayer() + " neurons";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnitScores s && Arrays.deepEquals(heads, s.heads) && Arrays.deepEquals(neurons, s.neurons);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(heads) + Arrays.deepHashCode(neurons);
    }

    @Override
    public String toString() {
        return "UnitScores[" + shape() + "]";
    }

    private static double[][] checked(String kind, double[][] rows) {
        double[][] copy = new double[rows.length][];
        for (int l = 0; l < rows.length; l++) {
            double[] row = rows[l];
            if (row == null) {
                throw new IllegalArgumentException(kind + " scores of layer " + l + " are null");
            }
            if (row.length == 0) {
                throw new IllegalArgumentException(kind + " scores of layer " + l + " are empty");
            }
            if (row.length != rows[0].length) {
                throw new IllegalArgumentException(kind + " scores of layer " + l + " have " + row.length
                        + " entries but layer 0 has " + rows[0].length);
            }
            copy[l] = new double[row.length];
            for (int i = 0; i < row.length; i++) {
                if (!Double.isFinite(row[i])) {
                    throw new IllegalArgumentException(kind + " score of layer " + l + ", " + kind + " " + i
                            + " must be finite, was " + row[i]);
                }
                copy[l][i] = row[i] + 0.0;
            }
        }
        return copy;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
