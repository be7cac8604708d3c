/**
 * Label-free least-squares repair of a pruned encoder's output projections (issue 15; K-prune's weight tuning,
 * FLAP's bias compensation as its restricted form): after a mask is chosen, walk the layers bottom-up on the
 * pruned model and refit, for the attention output projection and the FFN output projection of each layer, the
 * kept input columns and the bias so that the sublayer's output plus its residual input matches the dense model's
 * on calibration tokens. Entry point: {@link dev.optinfleet.core.reconstruct.Reconstructor}.
 */
package dev.optinfleet.core.reconstruct;
