package dev.optinfleet.coordinator.api;

import dev.optinfleet.schemas.status.JobState;

/**
 * Answer of {@code POST /jobs}.
 *
 * @param jobId     the new job's id
 * @param state     accepted (or the state of the known job for a repeated id)
 * @param statusUrl where to follow it
 */
public record SubmittedJob(String jobId, JobState state, String statusUrl) {
}
