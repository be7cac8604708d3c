package dev.optinfleet.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.mask.UnitMask;

/**
 * A {@link UnitMask} as {@link Gates} of a dense model: one 1/0 gate vector per layer, the same for every row.
 * Layers that keep everything get no gate at all, so their pass costs nothing extra.
 */
public final class MaskGates implements Gates {
    private final NDArray[] heads;
    private final NDArray[] neurons;

    private MaskGates(NDArray[] heads, NDArray[] neurons) {
        this.heads = heads;
        this.neurons = neurons;
    }

    /** Gates in {@code scope} for a mask over a dense model of {@code config}'s shape. */
    public static MaskGates of(NDManager scope, ModelConfig config, UnitMask mask) {
        if (mask.layers() != config.numLayers() || mask.headsPerLayer() != config.numHeads()
                || mask.neuronsPerLayer() != config.intermediateSize()) {
            throw new IllegalArgumentException("mask of " + mask.layers() + " x " + mask.headsPerLayer()
                    + " heads and " + mask.layers() + " x " + mask.neuronsPerLayer() + " neurons does not fit "
                    + config);
        }
        if (config.isPruned()) {
            throw new IllegalArgumentException("masks apply to dense models; this one is already pruned: "
                    + config);
        }
        NDArray[] h = new NDArray[config.numLayers()];
        NDArray[] n = new NDArray[config.numLayers()];
        for (int l = 0; l < config.numLayers(); l++) {
            if (mask.keptHeads(l).length < config.numHeads()) {
                h[l] = scope.create(mask.headGates(l));
            }
            if (mask.keptNeurons(l).length < config.intermediateSize()) {
                n[l] = scope.create(mask.neuronGates(l));
            }
        }
        return new MaskGates(h, n);
    }

    @Override
    public NDArray heads(int layer) {
        return heads[layer];
    }

    @Override
    public NDArray neurons(int layer) {
        return neurons[layer];
    }
}
