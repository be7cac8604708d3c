package dev.optinfleet.bench;

import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.SyntheticTerms;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.TaskSpec;
import dev.optinfleet.schemas.task.UnitTermsMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * A worker's result for a task as the benchmarks send it: the shape and size of the real one (the same
 * {@link SyntheticTerms} the worker's benchmark mode publishes), made-up values.
 */
final class SyntheticResults {
    private SyntheticResults() {
    }

    /** The task as core sees it: what the coordinator planned and the wire message says. */
    static ScoringTask task(TaskSpec spec, int shard) {
        if ("unit_range".equals(spec.type())) {
            return new ScoringTask.UnitRange(shard, spec.layer(), "head".equals(spec.kind()) ? UnitKind.HEAD
                    : UnitKind.NEURON, spec.from(), spec.count());
        }
        return new ScoringTask.GradientBatch(shard, spec.sampleFrom(), spec.sampleTo());
    }

    /** Whether the (complete) settings compute the feature term; else the real result carries zeros there. */
    static boolean featureTerm(ScoringSpec scoring) {
        return ScoringSpecs.toSettings(scoring).needsFeatureTerm();
    }

    static TaskScores of(String jobId, String taskId, ScoringTask task, ModelConfig config, boolean featureTerm) {
        List<UnitTermsMessage> wire = new ArrayList<>();
        long units = 0;
        for (UnitTerms t : SyntheticTerms.of(config, task, featureTerm, 42)) {
            wire.add(JobOutputs.toMessage(t));
            units += t.size();
        }
        return new TaskScores(TaskScores.SCHEMA_VERSION, jobId, taskId, "bench", wire, units, 1, "synthetic");
    }
}
