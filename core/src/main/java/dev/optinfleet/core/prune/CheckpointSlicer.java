package dev.optinfleet.core.prune;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorNames;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a physically smaller checkpoint from a dense one and a mask: removed heads lose their rows of Q/K/V
 * ([h·d_h, d] -> [h_l·d_h, d]) and their columns of the output projection; removed neurons lose their row of the
 * first FFN linear and column of the second. Per-layer head counts and intermediate sizes go into the config.
 * Biases of the output projections, LayerNorms, embeddings, pooler and classifier are kept as they are, so the
 * sliced model computes exactly what the dense model computes with the mask applied.
 */
public final class CheckpointSlicer {

    private CheckpointSlicer() {
    }

    public static Checkpoint slice(Checkpoint dense, UnitMask mask) {
        ModelConfig c = dense.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("checkpoint " + dense.name() + " is already pruned; slice the dense"
                    + " parent with the combined mask instead");
        }
        if (mask.layers() != c.numLayers() || mask.headsPerLayer() != c.numHeads()
                || mask.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException("mask " + mask + " (" + mask.layers() + " x " + mask.headsPerLayer()
                    + " heads, " + mask.neuronsPerLayer() + " neurons per layer) does not fit " + c);
        }
        int dh = c.headDim();
        int[] heads = new int[c.numLayers()];
        int[] neurons = new int[c.numLayers()];
        Map<String, FloatTensor> out = new LinkedHashMap<>(dense.tensors());
        for (int l = 0; l < c.numLayers(); l++) {
            int[] keptHeads = mask.keptHeads(l);
            int[] keptNeurons = mask.keptNeurons(l);
            heads[l] = keptHeads.length;
            neurons[l] = keptNeurons.length;
            int[] rows = headRows(keptHeads, dh);
            for (String name : new String[] {TensorNames.query(l, "weight"), TensorNames.key(l, "weight"),
                    TensorNames.value(l, "weight")}) {
                sliceRows(out, name, rows);
            }
            for (String name : new String[] {TensorNames.query(l, "bias"), TensorNames.key(l, "bias"),
                    TensorNames.value(l, "bias")}) {
                sliceRows(out, name, rows);
            }
            sliceColumns(out, TensorNames.attentionOutput(l, "weight"), rows);
            sliceRows(out, TensorNames.intermediate(l, "weight"), keptNeurons);
            sliceRows(out, TensorNames.intermediate(l, "bias"), keptNeurons);
            sliceColumns(out, TensorNames.output(l, "weight"), keptNeurons);
        }
        return Checkpoint.of("slice of " + dense.name(), dense.name(), c.withKept(heads, neurons), out);
    }

    private static int[] headRows(int[] keptHeads, int dh) {
        int[] rows = new int[keptHeads.length * dh];
        for (int i = 0; i < keptHeads.length; i++) {
            for (int j = 0; j < dh; j++) {
                rows[i * dh + j] = keptHeads[i] * dh + j;
            }
        }
        return rows;
    }

    /** Keeps the given rows (first axis); an empty selection removes the tensor, as the layout requires. */
    private static void sliceRows(Map<String, FloatTensor> tensors, String name, int[] rows) {
        FloatTensor t = tensors.get(name);
        if (rows.length == 0) {
            tensors.remove(name);
            return;
        }
        int width = t.rank() == 1 ? 1 : (int) t.dim(1);
        float[] data = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(t.data(), rows[i] * width, data, i * width, width);
        }
        long[] shape = t.shape();
        shape[0] = rows.length;
        tensors.put(name, new FloatTensor(name, shape, data));
    }

    /** Keeps the given columns of a matrix; an empty selection removes the tensor. */
    private static void sliceColumns(Map<String, FloatTensor> tensors, String name, int[] cols) {
        FloatTensor t = tensors.get(name);
        if (cols.length == 0) {
            tensors.remove(name);
            return;
        }
        int rows = (int) t.dim(0);
        int width = (int) t.dim(1);
        float[] data = new float[rows * cols.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols.length; j++) {
                data[r * cols.length + j] = t.data()[r * width + cols[j]];
            }
        }
        tensors.put(name, new FloatTensor(name, new long[] {rows, cols.length}, data));
    }
}
