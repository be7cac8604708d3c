package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.schemas.task.TaskSpec;

import java.util.Locale;

/**
 * Task ids and wire specs of core tasks. An id is a pure function of the task, so a job re-planned after a restart
 * names its tasks as before and stored scores still find their task: {@code s0-l3-neuron-256+256} (shard 0, layer 3,
 * neurons [256, 512)), {@code s1-l0-head-0+12}, {@code s0-samples-0-16} (shard 0, samples [0, 16)).
 */
public final class TaskIds {
    private TaskIds() {
    }

    public static String id(ScoringTask task) {
        if (task instanceof ScoringTask.UnitRange r) {
            return String.format(Locale.ROOT, "s%d-l%d-%s-%d+%d", r.shard(), r.layer(), kind(r.kind()), r.from(),
                    r.count());
        }
        ScoringTask.GradientBatch g = (ScoringTask.GradientBatch) task;
        return String.format(Locale.ROOT, "s%d-samples-%d-%d", g.shard(), g.from(), g.to());
    }

    public static TaskSpec spec(ScoringTask task) {
        if (task instanceof ScoringTask.UnitRange r) {
            return TaskSpec.unitRange(r.layer(), kind(r.kind()), r.from(), r.count());
        }
        ScoringTask.GradientBatch g = (ScoringTask.GradientBatch) task;
        return TaskSpec.gradientBatch(g.from(), g.to());
    }

    private static String kind(UnitKind kind) {
        return kind == UnitKind.HEAD ? "head" : "neuron";
    }
}
