package dev.optinfleet.coordinator.jobs;

import java.util.List;

/**
 * Who scored a job and how fast, from its merged results (first result of each task), e.g. for a report.
 *
 * @param millisToScore from submission to the last result merged
 * @param tasks         tasks merged
 * @param units         unit evaluations merged
 * @param workers       per worker, in order of first appearance
 */
public record ScoringStats(long millisToScore, int tasks, long units, List<Worker> workers) {
    public ScoringStats {
        workers = List.copyOf(workers);
    }

    /**
     * One worker's share.
     *
     * @param workerId  as the worker named itself
     * @param tasks     its merged tasks
     * @param units     unit evaluations of those tasks
     * @param elapsedMs scoring time it reported for them, downloads excluded
     * @param engine    engine and device it computed on, e.g. "PyTorch on gpu(0)"
     */
    public record Worker(String workerId, int tasks, long units, long elapsedMs, String engine) {
    }
}
