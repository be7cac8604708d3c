/**
 * From checkpoint events to jobs: {@link dev.optinfleet.registry.events.CheckpointPolicy} decides whether an uploaded
 * object completes a checkpoint that a configured {@link dev.optinfleet.registry.events.CheckpointRule} covers, and
 * {@link dev.optinfleet.registry.events.ProcessedCheckpoints} remembers, durably, which checkpoint versions already
 * started a job.
 */
package dev.optinfleet.registry.events;
