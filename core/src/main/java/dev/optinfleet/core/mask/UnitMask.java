package dev.optinfleet.core.mask;

import java.util.Arrays;
import java.util.Objects;

/**
 * Which attention heads [L x H] and FFN neurons [L x F] of a dense model are kept. Immutable; every accessor
 * returns copies.
 *
 * <p>Removing head h of layer l zeroes that head's context vector before the output projection; removing neuron
 * i of layer l zeroes its GELU activation before the second FFN linear (optin.md, "Units").
 */
public final class UnitMask {
    private final boolean[][] heads;
    private final boolean[][] neurons;

    public UnitMask(boolean[][] heads, boolean[][] neurons) {
        Objects.requireNonNull(heads, "heads");
        Objects.requireNonNull(neurons, "neurons");
        if (heads.length != neurons.length) {
            throw new IllegalArgumentException("mask has " + heads.length + " head rows but " + neurons.length
                    + " neuron rows; both must equal the number of layers");
        }
        for (int l = 1; l < heads.length; l++) {
            if (heads[l].length != heads[0].length || neurons[l].length != neurons[0].length) {
                throw new IllegalArgumentException("mask layer " + l + " has " + heads[l].length + " heads and "
                        + neurons[l].length + " neurons; layer 0 has " + heads[0].length + " and "
                        + neurons[0].length);
            }
        }
        this.heads = deepCopy(heads);
        this.neurons = deepCopy(neurons);
    }

    /** Keeps everything. */
    public static UnitMask all(int layers, int headsPerLayer, int neuronsPerLayer) {
        boolean[][] h = new boolean[layers][headsPerLayer];
        boolean[][] n = new boolean[layers][neuronsPerLayer];
        for (int l = 0; l < layers; l++) {
            Arrays.fill(h[l], true);
            Arrays.fill(n[l], true);
        }
        return new UnitMask(h, n);
    }

    public int layers() {
        return heads.length;
    }

    public int headsPerLayer() {
        return heads.length == 0 ? 0 : heads[0].length;
    }

    public int neuronsPerLayer() {
        return neurons.length == 0 ? 0 : neurons[0].length;
    }

    public boolean head(int layer, int head) {
        return heads[layer][head];
    }

    public boolean neuron(int layer, int neuron) {
        return neurons[layer][neuron];
    }

    public boolean[][] heads() {
        return deepCopy(heads);
    }

    public boolean[][] neurons() {
        return deepCopy(neurons);
    }

    /** Indices of kept heads of a layer, ascending. */
    public int[] keptHeads(int layer) {
        return indicesOf(heads[layer]);
    }

    /** Indices of kept neurons of a layer, ascending. */
    public int[] keptNeurons(int layer) {
        return indicesOf(neurons[layer]);
    }

    public int keptHeadCount() {
        int n = 0;
        for (boolean[] row : heads) {
            n += indicesOf(row).length;
        }
        return n;
    }

    public int keptNeuronCount() {
        int n = 0;
        for (boolean[] row : neurons) {
            n += indicesOf(row).length;
        }
        return n;
    }

    /** The head mask of one layer as 1/0 gates. */
    public float[] headGates(int layer) {
        return gates(heads[layer]);
    }

    /** The neuron mask of one layer as 1/0 gates. */
    public float[] neuronGates(int layer) {
        return gates(neurons[layer]);
    }

    public boolean keepsEverything() {
        return keptHeadCount() == layers() * headsPerLayer() && keptNeuronCount() == layers() * neuronsPerLayer();
    }

    /** A copy with one head removed. */
    public UnitMask withoutHead(int layer, int head) {
        boolean[][] h = deepCopy(heads);
        h[layer][head] = false;
        return new UnitMask(h, neurons);
    }

    /** A copy with one neuron removed. */
    public UnitMask withoutNeuron(int layer, int neuron) {
        boolean[][] n = deepCopy(neurons);
        n[layer][neuron] = false;
        return new UnitMask(heads, n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnitMask m && Arrays.deepEquals(heads, m.heads) && Arrays.deepEquals(neurons, m.neurons);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(heads) + Arrays.deepHashCode(neurons);
    }

    @Override
    public String toString() {
        return "UnitMask[heads " + keptHeadCount() + "/" + layers() * headsPerLayer() + ", neurons "
                + keptNeuronCount() + "/" + layers() * neuronsPerLayer() + "]";
    }

    private static float[] gates(boolean[] row) {
        float[] g = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            g[i] = row[i] ? 1f : 0f;
        }
        return g;
    }

    private static int[] indicesOf(boolean[] row) {
        return java.util.stream.IntStream.range(0, row.length).filter(i -> row[i]).toArray();
    }

    private static boolean[][] deepCopy(boolean[][] a) {
        boolean[][] c = new boolean[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
