package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.ModelConfig;

/**
 * Accumulates {@link UnitTerms} of a dense model over tasks and shards: per unit, the sum of its feature and output
 * terms and how many results covered it. Addition is commutative, so results may arrive in any order; dropping
 * duplicates is the caller's business (the coordinator keys results by task id). Confined to one thread.
 */
public final class TermTable {
    private final int layers;
    private final int heads;
    private final int neurons;
    private final double[][][] feature;
    private final double[][][] output;
    private final int[][][] coverage;

    public TermTable(ModelConfig config) {
        if (config.isPruned()) {
            throw new IllegalArgumentException("scores are kept for dense models, got " + config);
        }
        this.layers = config.numLayers();
        this.heads = config.numHeads();
        this.neurons = config.intermediateSize();
        this.feature = new double[][][] {new double[layers][heads], new double[layers][neurons]};
        this.output = new double[][][] {new double[layers][heads], new double[layers][neurons]};
        this.coverage = new int[][][] {new int[layers][heads], new int[layers][neurons]};
    }

    /** Adds one task's terms. */
    public void add(UnitTerms t) {
        int k = t.kind().ordinal();
        int width = t.kind() == UnitKind.HEAD ? heads : neurons;
        if (t.layer() >= layers || t.from() + t.size() > width) {
            throw new IllegalArgumentException(t + " is outside a model of " + layers + " layers, " + heads
                    + " heads and " + neurons + " neurons");
        }
        for (int i = 0; i < t.size(); i++) {
            feature[k][t.layer()][t.from() + i] += t.feature(i);
            output[k][t.layer()][t.from() + i] += t.output(i);
            coverage[k][t.layer()][t.from() + i]++;
        }
    }

    /** True when every unit was covered exactly {@code times} times (e.g. once per shard). */
    public boolean coveredExactly(int times) {
        for (int[][] kind : coverage) {
            for (int[] row : kind) {
                for (int c : row) {
                    if (c != times) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int neurons() {
        return neurons;
    }

    double feature(UnitKind kind, int layer, int unit) {
        return feature[kind.ordinal()][layer][unit];
    }

    double output(UnitKind kind, int layer, int unit) {
        return output[kind.ordinal()][layer][unit];
    }

    /** The table's content as per-(layer, kind) terms, e.g. to store raw scores next to a job's results. */
    public java.util.List<UnitTerms> toTerms() {
        java.util.List<UnitTerms> out = new java.util.ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new UnitTerms(l, UnitKind.HEAD, 0, feature[0][l], output[0][l]));
            out.add(new UnitTerms(l, UnitKind.NEURON, 0, feature[1][l], output[1][l]));
        }
        return out;
    }
}
