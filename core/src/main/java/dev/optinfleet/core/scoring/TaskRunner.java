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
        if (task instanceof ScoringTask.UnitRange r) {
            if (teacher == null) {
                throw new IllegalArgumentException("exact task " + r + " needs the shard's teacher pass");
            }
            return List.of(ExactScorer.score(teacher, r.layer(), r.kind(), r.from(), r.count(), settings));
        }
        ScoringTask.GradientBatch g = (ScoringTask.GradientBatch) task;
        if (g.to() > shard.size()) {
            throw new IllegalArgumentException("gradient task " + g + " reaches past the shard's " + shard.size()
                    + " samples");
        }
        // A seed per (shard, batch): the estimate does not depend on which worker runs which task, or in which order.
        ScoringSettings own = settings.withSeed(settings.seed() * 1_000_003L + 7919L * g.shard() + g.from());
        return FisherScorer.score(encoder, shard.rows(g.from(), g.to()), own);
    }
}
