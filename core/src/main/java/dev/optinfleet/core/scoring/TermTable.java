package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects the results of a job's {@link ScoringTask}s for a dense model and sums them per unit.
 *
 * <p>Results are keyed by task, so a task delivered twice counts once, and sums are taken in the tasks' canonical
 * order, so the merged terms are bit-for-bit the same whatever order results arrived in. Confined to one thread.
 */
public final class TermTable {
    private final int layers;
    private final int heads;
    private final int neurons;
    private final Map<String, List<UnitTerms>> results = new TreeMap<>();
    private double[][][] feature;
    private double[][][] output;

    public TermTable(ModelConfig config) {
        if (config.isPruned()) {
            throw new IllegalArgumentException("scores are kept for dense models, got " + config);
        }
        this.layers = config.numLayers();
        this.heads = config.numHeads();
        this.neurons = config.intermediateSize();
    }

    /**
     * Records one task's terms.
     *
     * @return false when this task's result was already recorded (the duplicate is ignored)
     */
    public boolean add(ScoringTask task, List<UnitTerms> terms) {
        for (UnitTerms t : terms) {
            int width = t.kind() == UnitKind.HEAD ? heads : neurons;
            if (t.layer() >= layers || t.from() + t.size() > width) {
                throw new IllegalArgumentException("task " + task + ": " + t + " is outside a model of " + layers
                        + " layers, " + heads + " heads and " + neurons + " neurons");
            }
        }
        if (results.putIfAbsent(key(task), List.copyOf(terms)) != null) {
            return false;
        }
        feature = null;
        return true;
    }

    public boolean contains(ScoringTask task) {
        return results.containsKey(key(task));
    }

    /** Number of distinct tasks recorded. */
    public int size() {
        return results.size();
    }

    /** True when every task of the plan has its result. */
    public boolean isComplete(List<ScoringTask> plan) {
        for (ScoringTask t : plan) {
            if (!results.containsKey(key(t))) {
                return false;
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
        sum();
        return feature[kind.ordinal()][layer][unit];
    }

    double output(UnitKind kind, int layer, int unit) {
        sum();
        return output[kind.ordinal()][layer][unit];
    }

    /** The summed terms as per-(layer, kind) rows, e.g. to store raw scores next to a job's results. */
    public List<UnitTerms> toTerms() {
        sum();
        List<UnitTerms> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new UnitTerms(l, UnitKind.HEAD, 0, feature[0][l], output[0][l]));
            out.add(new UnitTerms(l, UnitKind.NEURON, 0, feature[1][l], output[1][l]));
        }
        return out;
    }

    private void sum() {
        if (feature != null) {
            return;
        }
        double[][][] f = {new double[layers][heads], new double[layers][neurons]};
        double[][][] o = {new double[layers][heads], new double[layers][neurons]};
        for (List<UnitTerms> terms : results.values()) {
            for (UnitTerms t : terms) {
                int k = t.kind().ordinal();
                for (int i = 0; i < t.size(); i++) {
                    f[k][t.layer()][t.from() + i] += t.feature(i);
                    o[k][t.layer()][t.from() + i] += t.output(i);
                }
            }
        }
        output = o;
        feature = f;
    }

    /** A key whose string order is the canonical task order. */
    static String key(ScoringTask task) {
        if (task instanceof ScoringTask.UnitRange r) {
            return String.format("%06d/u/%04d/%s/%07d/%07d", r.shard(), r.layer(), r.kind(), r.from(), r.count());
        }
        ScoringTask.GradientBatch g = (ScoringTask.GradientBatch) task;
        return String.format("%06d/g/%09d/%09d", g.shard(), g.from(), g.to());
    }
}
