package dev.optinfleet.coordinator.recovery;

import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.TaskScores;

import java.util.List;
import java.util.Map;

/**
 * What the topics said at start-up: the latest status of every job, and the stored results of every unfinished
 * job's tasks.
 *
 * @param statuses  latest status per job id
 * @param scores    per unfinished job id, its results by task id
 * @param malformed records that could not be read (logged and skipped), e.g. "optin.job-status-0@17: ..."
 */
public record RecoveredState(Map<String, JobStatus> statuses, Map<String, Map<String, TaskScores>> scores,
                             List<String> malformed) {
    public RecoveredState {
        statuses = Map.copyOf(statuses);
        scores = Map.copyOf(scores);
        malformed = List.copyOf(malformed);
    }

    /** The stored results of one job by task id; empty when none. */
    public Map<String, TaskScores> scoresOf(String jobId) {
        return scores.getOrDefault(jobId, Map.of());
    }
}
