package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.List;

/**
 * Runs a {@link ScoringTask} against a loaded dense encoder and its shard. Exact tasks need the shard's
 * {@link TeacherPass}, which the caller keeps while it runs tasks of the same shard (building it costs one forward
 * pass and the Gram matrices).
 */
public final class TaskRunner {
    private TaskRunner() {
    }

    public static List<UnitTerms> run(ScoringTask task, Encoder encoder, TokenBatch shard, TeacherPass teacher,
                                      ScoringSettings settings) {
        // An exact task plans from the budget its teacher was planned for.
        return run(task, encoder, shard, teacher, settings,
                teacher != null ? teacher.context() : ScoringContext.detected(encoder));
    }

    /** Runs the task with passes sized to the context's memory and progress told to it. */
    public static List<UnitTerms> run(ScoringTask task, Encoder encoder, TokenBatch shard, TeacherPass teacher,
                                      ScoringSettings settings, ScoringContext context) {
        if (task instanceof ScoringTask.UnitRange r) {
            if (teacher == null) {
                throw new IllegalArgumentException("exact task " + r + " needs the shard's teacher pass");
            }
            return List.of(ExactScorer.score(teacher, r.layer(), r.kind(), r.from(), r.count(), settings,
                    context));
        }
        ScoringTask.GradientBatch g = (ScoringTask.GradientBatch) task;
        if (g.to() > shard.size()) {
            throw new IllegalArgumentException("gradient task " + g + " reaches past the shard's " + shard.size()
                    + " samples");
        }
        // A seed per shard, from which each sample's probes derive: the estimate does not depend on how the shard is
        // split into tasks, which worker runs which task, or in which order.
        return FisherScorer.score(encoder, shard, g.from(), g.to(), shardSeed(settings, g.shard()), settings,
                context);
    }

    /** The seed of a shard's probes. */
    public static long shardSeed(ScoringSettings settings, int shard) {
        return settings.seed() * 1_000_003L + 7919L * shard;
    }
}
