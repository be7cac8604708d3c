package dev.optinfleet.core.cost;

/**
 * What a job will cost, before it runs ({@link CostModel#estimate}).
 *
 * @param heads             attention heads scored (per shard)
 * @param neurons           FFN neurons scored (per shard)
 * @param tasks             tasks the plan splits the job into
 * @param forwardPasses     sample forward passes: a full pass per sample (teacher or gradient pass) plus, for the
 *                          exact scorers, one partial pass (from the unit's layer up) per unit and sample
 * @param backwardPasses    sample backward passes (one per probe and sample; twice that for fisher_trajectory)
 * @param flops             floating-point operations of the scoring, all tasks
 * @param checkpointBytes   bytes of the checkpoint each worker fetches once
 * @param shardBytes        bytes of all calibration shards (each worker fetches those of its tasks)
 * @param resultBytes       bytes of all task results (JSON terms) the coordinator merges
 * @param peakWorkerBytes   planned peak resident memory of a worker (Java heap at -Xmx, runtime, weights,
 *                          passes; passes are sized to fit the budget, so at most the budget)
 * @param computeSeconds    scoring alone on one worker of the kind, no fleet (the in-process run)
 * @param longestTaskSeconds the longest task, which bounds any fan-out
 * @param kind              the worker kind the times are for
 */
public record JobCost(int heads, int neurons, int tasks, long forwardPasses, long backwardPasses, double flops,
                      long checkpointBytes, long shardBytes, long resultBytes, long peakWorkerBytes,
                      double computeSeconds, double longestTaskSeconds, double[] taskSeconds, WorkerKind kind) {
    public JobCost {
        taskSeconds = taskSeconds.clone();
    }

    @Override
    public double[] taskSeconds() {
        return taskSeconds.clone();
    }

    /**
     * Estimated wall time from submission to outputs on {@code workers} workers of the kind, with at most
     * {@code partitions} of them busy (the task topic's partitions bound a consumer group): tasks are scheduled
     * longest first onto the least loaded worker, each with the kind's per-task fleet overhead, then the job's
     * finishing work.
     */
    public double wallSeconds(int workers, int partitions) {
        if (workers <= 0 || partitions <= 0) {
            throw new IllegalArgumentException("workers and partitions must be > 0, were " + workers + " and "
                    + partitions);
        }
        int busy = Math.max(1, Math.min(Math.min(workers, partitions), Math.max(1, tasks)));
        double[] load = new double[busy];
        double[] sorted = taskSeconds.clone();
        java.util.Arrays.sort(sorted);
        for (int i = sorted.length - 1; i >= 0; i--) {
            int least = 0;
            for (int w = 1; w < busy; w++) {
                if (load[w] < load[least]) {
                    least = w;
                }
            }
            load[least] += sorted[i] + kind.taskOverheadSeconds();
        }
        double makespan = 0;
        for (double l : load) {
            makespan = Math.max(makespan, l);
        }
        return makespan + kind.jobOverheadSeconds();
    }

    /** Checkpoint and shard bytes to {@code workers} workers (each fetches each object at most once) plus results. */
    public long bytesMoved(int workers) {
        long fetching = Math.max(1, Math.min(workers, tasks));
        return fetching * (checkpointBytes + shardBytes) + resultBytes;
    }
}
