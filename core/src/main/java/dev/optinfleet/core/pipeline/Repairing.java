package dev.optinfleet.core.pipeline;

import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.List;
import java.util.Objects;

/**
 * How {@link JobOutputs#writeBudgets} repairs every budget's kept weights: the reconstruction settings and the
 * tokenised calibration shards it fits on (the job's scoring calibration, labels never used).
 *
 * @param settings    repair and its settings; {@link Repair#NONE} slices the mask only
 * @param calibration shards; may be empty only for {@link Repair#NONE}
 */
public record Repairing(ReconstructionSettings settings, List<TokenBatch> calibration) {
    public Repairing {
        Objects.requireNonNull(settings, "settings");
        calibration = List.copyOf(calibration);
        if (settings.repair() != Repair.NONE && calibration.isEmpty()) {
            throw new IllegalArgumentException("repair '" + settings.repair().wireName()
                    + "' needs calibration shards; none were given");
        }
    }

    /** Slice only. */
    public static Repairing none() {
        return new Repairing(ReconstructionSettings.of(Repair.NONE), List.of());
    }

    public Repair repair() {
        return settings.repair();
    }
}
