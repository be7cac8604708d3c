package dev.optinfleet.core.scoring;

/**
 * One independent piece of scoring work on one calibration shard: a pure function of the checkpoint, the shard and
 * the settings, so any worker may run it and results merge in any order.
 */
public sealed interface ScoringTask permits ScoringTask.UnitRange, ScoringTask.GradientBatch {

    /** Index of the calibration shard in the job's list. */
    int shard();

    /** Units [from, from + count) of one kind in one layer, every sample of the shard (exact scorers). */
    record UnitRange(int shard, int layer, UnitKind kind, int from, int count) implements ScoringTask {
        public UnitRange {
            if (shard < 0 || layer < 0 || from < 0 || count <= 0) {
                throw new IllegalArgumentException("unit range task needs shard, layer, from >= 0 and count > 0, was"
                        + " shard " + shard + ", layer " + layer + ", from " + from + ", count " + count);
            }
            java.util.Objects.requireNonNull(kind, "kind");
        }
    }

    /** Samples [from, to) of the shard, every unit of every layer ({@code fisher}). */
    record GradientBatch(int shard, int from, int to) implements ScoringTask {
        public GradientBatch {
            if (shard < 0 || from < 0 || to <= from) {
                throw new IllegalArgumentException("gradient task needs shard >= 0 and 0 <= from < to, was shard "
                        + shard + ", [" + from + ", " + to + ")");
            }
        }
    }
}
