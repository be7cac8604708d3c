package dev.optinfleet.core.reconstruct;

import dev.optinfleet.core.checkpoint.Checkpoint;

import java.util.List;

/**
 * The result of {@link Reconstructor#reconstruct}.
 *
 * @param checkpoint the dense-shaped checkpoint with refit output projections (kept columns and biases; removed
 *                   columns keep their old values, which the mask removes); slice it with the same mask
 * @param settings   how it ran
 * @param samples    calibration sequences used
 * @param tokens     calibration tokens used (padding excluded)
 * @param refits     per layer, attention then FFN, bottom-up
 * @param seconds    wall time
 */
public record Reconstruction(Checkpoint checkpoint, ReconstructionSettings settings, int samples, long tokens,
                             List<SublayerRefit> refits, double seconds) {
    public Reconstruction {
        refits = List.copyOf(refits);
    }
}
