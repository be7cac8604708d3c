package dev.optinfleet.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Multipliers on each layer's head context vectors and FFN activations: the masks of the forward pass.
 *
 * <p>For layer l, {@code heads(l)} is null (all kept) or an array of shape [h_l] (the same for every row) or
 * [R, h_l] (one mask per row of the batch: how the scorer runs many removed units in one pass); likewise
 * {@code neurons(l)} with [f_l] or [R, f_l]. A gate of 0 removes the unit; gates that require gradients give the
 * gradient of the output with respect to each unit's presence.
 */
public interface Gates {
    /** Everything kept. */
    Gates NONE = new Gates() {
        @Override
        public NDArray heads(int layer) {
            return null;
        }

        @Override
        public NDArray neurons(int layer) {
            return null;
        }
    };

    NDArray heads(int layer);

    NDArray neurons(int layer);
}
