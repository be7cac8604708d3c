package dev.optinfleet.worker.scoring;

import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.TaskSpec;

/**
 * Wire settings and task specs to core's types. A null field of a {@link ScoringSpec} means the scorer's default
 * ({@link ScoringSettings#defaults}). Pure functions; errors are {@link IllegalArgumentException}s naming the field.
 */
public final class ScoringSpecs {
    private ScoringSpecs() {
    }

    /** The complete settings: the scorer's defaults overridden by every non-null field of the spec. */
    public static ScoringSettings toSettings(ScoringSpec spec) {
        if (spec == null || spec.scorer() == null) {
            throw new IllegalArgumentException("scoring.scorer is required (trajectory, output, fisher or"
                    + " fisher_trajectory)");
        }
        return ScoringSettings.fromSpec(spec, null);
    }

    /**
     * The core task of a wire task on shard {@code shardIndex}, checked against the scorer: unit ranges need an exact
     * scorer (trajectory, output), gradient batches need fisher.
     */
    public static ScoringTask toTask(TaskSpec spec, int shardIndex, ScorerKind scorer) {
        if ("unit_range".equals(spec.type())) {
            if (scorer.gradient()) {
                throw new IllegalArgumentException("task.type unit_range needs an exact scorer (trajectory or"
                        + " output), but scoring.scorer is " + scorer.wireName());
            }
            UnitKind kind = "head".equals(spec.kind()) ? UnitKind.HEAD : UnitKind.NEURON;
            return new ScoringTask.UnitRange(shardIndex, spec.layer(), kind, spec.from(), spec.count());
        }
        if (!scorer.gradient()) {
            throw new IllegalArgumentException("task.type " + spec.type() + " needs scoring.scorer fisher or"
                    + " fisher_trajectory, was "
                    + scorer.wireName());
        }
        return new ScoringTask.GradientBatch(shardIndex, spec.sampleFrom(), spec.sampleTo());
    }
}
