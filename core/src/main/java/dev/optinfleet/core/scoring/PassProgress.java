package dev.optinfleet.core.scoring;

/**
 * Progress inside one scoring task, reported after every pass: {@code done} of {@code total} work items (samples
 * for the gradient scorers, unit evaluations for the exact ones). Called from the scoring thread.
 */
@FunctionalInterface
public interface PassProgress {
    PassProgress NONE = (done, total) -> {
    };

    void advanced(long done, long total);
}
