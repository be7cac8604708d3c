package dev.optinfleet.coordinator.jobs;

/**
 * CDI event: the last missing task result of a job may just have arrived (or the job was planned with every
 * result already stored). Fired by the planner and the merger, observed by the finisher, which checks and solves
 * once; an event so that scoring does not depend on the outputs package.
 */
public record JobScored(Job job) {
}
