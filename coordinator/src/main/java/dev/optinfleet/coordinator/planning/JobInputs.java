package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.model.ModelConfig;

import java.util.Objects;

/**
 * What planning learned from a job's inputs, and what the merge and the outputs need from them later.
 *
 * @param config        the dense model's architecture (shapes of the term table)
 * @param shardSizes    samples used per shard, after the settings' cap (max_samples)
 * @param sampleLengths non-padding length of every used sample, shard after shard: the s of the FLOP model
 */
public record JobInputs(ModelConfig config, int[] shardSizes, int[] sampleLengths) {
    public JobInputs {
        Objects.requireNonNull(config, "config");
        shardSizes = shardSizes.clone();
        sampleLengths = sampleLengths.clone();
    }
}
