package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a job into {@link ScoringTask}s. Exact scorers: per shard, one task per layer for its heads and one per
 * {@code neuronsPerTask} neurons; gradient scorers: per shard, one task per {@code samplesPerTask} samples. Every
 * unit is covered exactly once per shard, which is what the merge checks.
 */
public final class ScoringPlan {
    /**
     * Neurons per exact task when nobody says (the CLI in process, the coordinator's
     * {@code optin.coordinator.neurons-per-task}). How work is split, not what it computes.
     */
    public static final int DEFAULT_NEURONS_PER_TASK = 256;
    /**
     * Samples per gradient task when nobody says (the CLI in process, the coordinator's
     * {@code optin.coordinator.samples-per-task}).
     */
    public static final int DEFAULT_SAMPLES_PER_TASK = 16;

    private ScoringPlan() {
    }

    /**
     * @param shardSizes samples per shard, after the settings' cap on samples
     */
    public static List<ScoringTask> plan(ModelConfig config, ScoringSettings settings, int[] shardSizes,
                                         int neuronsPerTask, int samplesPerTask) {
        if (neuronsPerTask <= 0 || samplesPerTask <= 0) {
            throw new IllegalArgumentException("neuronsPerTask and samplesPerTask must be > 0, were "
                    + neuronsPerTask + " and " + samplesPerTask);
        }
        List<ScoringTask> tasks = new ArrayList<>();
        for (int shard = 0; shard < shardSizes.length; shard++) {
            if (settings.scorer().gradient()) {
                for (int from = 0; from < shardSizes[shard]; from += samplesPerTask) {
                    tasks.add(new ScoringTask.GradientBatch(shard, from,
                            Math.min(shardSizes[shard], from + samplesPerTask)));
                }
                continue;
            }
            for (int l = 0; l < config.numLayers(); l++) {
                tasks.add(new ScoringTask.UnitRange(shard, l, UnitKind.HEAD, 0, config.numHeads()));
                for (int from = 0; from < config.intermediateSize(); from += neuronsPerTask) {
                    tasks.add(new ScoringTask.UnitRange(shard, l, UnitKind.NEURON, from,
                            Math.min(neuronsPerTask, config.intermediateSize() - from)));
                }
            }
        }
        return tasks;
    }
}
