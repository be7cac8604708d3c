package dev.optinfleet.report;

import java.util.List;
import java.util.Objects;

/**
 * How long a job's scoring took, in total and per worker.
 *
 * @param scoringSeconds wall time of scoring, first task started to last task done, >= 0
 * @param tasks          scoring tasks run, >= 0
 * @param unitsScored    unit evaluations done (a fisher task evaluates every unit of the model once), >= 0
 * @param workers        per worker of a fleet; empty for an in-process run
 */
public record Timings(double scoringSeconds, int tasks, long unitsScored, List<Worker> workers) {

    public Timings {
        nonNegative("scoring_seconds", scoringSeconds);
        if (tasks < 0) {
            throw new IllegalArgumentException("tasks must be >= 0, was " + tasks);
        }
        if (unitsScored < 0) {
            throw new IllegalArgumentException("units_scored must be >= 0, was " + unitsScored);
        }
        workers = List.copyOf(Objects.requireNonNull(workers, "workers"));
    }

    /** The timings of a run in one JVM: no workers. */
    public static Timings inProcess(double scoringSeconds, int tasks, long unitsScored) {
        return new Timings(scoringSeconds, tasks, unitsScored, List.of());
    }

    /** unitsScored / scoringSeconds; NaN when no time was measured. */
    public double unitsPerSecond() {
        return scoringSeconds > 0 ? unitsScored / scoringSeconds : Double.NaN;
    }

    /**
     * What one worker did.
     *
     * @param workerId the worker's id as it reported it
     * @param tasks    tasks it completed, >= 0
     * @param units    unit evaluations in those tasks, >= 0
     * @param seconds  time it spent scoring them, >= 0
     */
    public record Worker(String workerId, int tasks, long units, double seconds) {
        public Worker {
            if (workerId == null || workerId.isBlank()) {
                throw new IllegalArgumentException("worker_id is required");
            }
            if (tasks < 0 || units < 0) {
                throw new IllegalArgumentException("tasks and units of worker " + workerId + " must be >= 0, were "
                        + tasks + " and " + units);
            }
            nonNegative("seconds of worker " + workerId, seconds);
        }

        /** units / seconds; NaN when no time was measured. */
        public double unitsPerSecond() {
            return seconds > 0 ? units / seconds : Double.NaN;
        }
    }

    private static void nonNegative(String field, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(field + " must be finite and >= 0, was " + value);
        }
    }
}
