package dev.optinfleet.coordinator.config;

import java.time.Duration;

/**
 * {@code optin.coordinator.task-deadline.*}, checked.
 *
 * @param floor         least time a task may go without result or progress
 * @param factor        multiple of the task's expected time it may take
 * @param maxRepublish  times a task is published again for a missed deadline before its job fails
 * @param checkInterval how often overdue tasks are looked for
 */
public record TaskDeadlineSettings(Duration floor, double factor, int maxRepublish, Duration checkInterval) {
    static TaskDeadlineSettings of(CoordinatorConfig.TaskDeadline c) {
        String p = "optin.coordinator.task-deadline.";
        Duration floor = CoordinatorSettings.nonNegative(p + "floor", c.floor());
        if (floor.isZero()) {
            throw new IllegalArgumentException(p + "floor must be > 0, was 0");
        }
        if (!(c.factor() >= 1) || Double.isInfinite(c.factor())) {
            throw new IllegalArgumentException(p + "factor must be a number >= 1, was " + c.factor());
        }
        if (c.maxRepublish() < 0) {
            throw new IllegalArgumentException(p + "max-republish must be >= 0, was " + c.maxRepublish());
        }
        Duration interval = CoordinatorSettings.nonNegative(p + "check-interval", c.checkInterval());
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException(p + "check-interval must be >= 10ms, was " + interval);
        }
        return new TaskDeadlineSettings(floor, c.factor(), c.maxRepublish(), interval);
    }

    /** The deadline of a task expected to take {@code expectedMillis} (negative: not known yet). */
    public long deadlineMillis(double expectedMillis) {
        double scaled = expectedMillis < 0 ? 0 : expectedMillis * factor;
        return Math.max(floor.toMillis(), (long) Math.min(Long.MAX_VALUE / 2, Math.ceil(scaled)));
    }
}
