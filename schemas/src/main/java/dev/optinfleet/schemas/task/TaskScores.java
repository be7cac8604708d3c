package dev.optinfleet.schemas.task;

import dev.optinfleet.schemas.Checks;

import java.util.List;

/**
 * A worker's result for one task, on topic {@code optin.task-scores} (compacted; key job id + "/" + task id).
 * Schema: {@code /schemas/task-scores.schema.json}.
 *
 * @param schemaVersion 1
 * @param jobId         the job
 * @param taskId        the task
 * @param workerId      who computed it
 * @param terms         per layer and kind
 * @param unitsScored   units this task covered
 * @param elapsedMs     wall time of the scoring, not counting downloads
 * @param engine        DJL engine that computed it
 */
public record TaskScores(int schemaVersion, String jobId, String taskId, String workerId,
                         List<UnitTermsMessage> terms, long unitsScored, long elapsedMs, String engine) {
    public static final int SCHEMA_VERSION = 1;

    public TaskScores {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("job_id", jobId);
        Checks.required("task_id", taskId);
        Checks.required("worker_id", workerId);
        terms = Checks.nonEmpty("terms", terms);
    }

    public String key() {
        return jobId + "/" + taskId;
    }
}
