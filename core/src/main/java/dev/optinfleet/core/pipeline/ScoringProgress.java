package dev.optinfleet.core.pipeline;

/** Receives progress of a scoring run, e.g. to drive a progress bar. Called from the scoring thread. */
public interface ScoringProgress {
    ScoringProgress NONE = new ScoringProgress() {
    };

    /** The run planned this many tasks covering this many unit evaluations. */
    default void planned(int tasks, long unitEvaluations) {
    }

    /** More unit evaluations of the running task are done (told after every pass). */
    default void advanced(long unitEvaluations) {
    }

    /** One more task is done; these of its unit evaluations were not yet told through {@link #advanced}. */
    default void taskDone(long unitEvaluations) {
    }

    /** A free-form message worth showing (a warning or a phase). */
    default void message(String text) {
    }
}
