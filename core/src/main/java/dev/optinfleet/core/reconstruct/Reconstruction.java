package dev.optinfleet.core.reconstruct;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;

import java.util.List;
import java.util.Objects;

/**
 * The result of {@link Reconstructor#reconstruct}.
 *
 * @param checkpoint the dense-shaped checkpoint with refit output projections (kept columns and biases; removed
 *                   columns keep their old values, which the mask removes); slice it with {@link #mask()}
 * @param mask       the mask the refit weights belong to: the given one, except for {@link Repair#RESELECT},
 *                   which chooses units again with the same per-layer counts (so the same FLOPs)
 * @param settings   how it ran
 * @param samples    calibration sequences used
 * @param tokens     calibration tokens used (padding excluded)
 * @param refits     per layer, attention then FFN, bottom-up
 * @param seconds    wall time
 */
public record Reconstruction(Checkpoint checkpoint, UnitMask mask, ReconstructionSettings settings, int samples,
                             long tokens, List<SublayerRefit> refits, double seconds) {
    public Reconstruction {
        Objects.requireNonNull(mask, "mask");
        refits = List.copyOf(refits);
    }
}
