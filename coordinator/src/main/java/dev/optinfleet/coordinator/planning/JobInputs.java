package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.model.ModelConfig;

import java.util.Map;
import java.util.Objects;

/**
 * What planning learned from a job's inputs, and what the merge and the outputs need from them later.
 *
 * @param config        the dense model's architecture (shapes of the term table)
 * @param shardSizes    samples used per shard, after the settings' cap (max_samples)
 * @param sampleLengths non-padding length of every used sample, shard after shard: the s of the FLOP model
 * @param etags         object URI -> ETag of every input as read (model files, tokenizer, shards): the versions
 *                      the job's tasks carry and its finishing step reads again
 */
public record JobInputs(ModelConfig config, int[] shardSizes, int[] sampleLengths, Map<String, String> etags) {
    public JobInputs {
        Objects.requireNonNull(config, "config");
        shardSizes = shardSizes.clone();
        sampleLengths = sampleLengths.clone();
        etags = Map.copyOf(etags);
    }

    /** Inputs whose versions are not known (tests of the planning arithmetic). */
    public JobInputs(ModelConfig config, int[] shardSizes, int[] sampleLengths) {
        this(config, shardSizes, sampleLengths, Map.of());
    }
}
