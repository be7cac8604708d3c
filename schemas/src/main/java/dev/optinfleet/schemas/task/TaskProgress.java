package dev.optinfleet.schemas.task;

import dev.optinfleet.schemas.Checks;

/**
 * How far a worker is inside one task, on topic {@code optin.task-progress} (key job id + "/" + task id), at most
 * once a second per task. Ephemeral: the coordinator shows it in the job's status until the task's scores arrive.
 * Schema: {@code /schemas/task-progress.schema.json}.
 *
 * @param schemaVersion 1
 * @param jobId         the job
 * @param taskId        the task
 * @param workerId      who is computing it
 * @param done          work items done (samples for gradient tasks, unit evaluations for exact ones), 0..total
 * @param total         work items of the task, > 0
 */
public record TaskProgress(int schemaVersion, String jobId, String taskId, String workerId, long done,
                           long total) {
    public static final int SCHEMA_VERSION = 1;

    public TaskProgress {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("job_id", jobId);
        Checks.required("task_id", taskId);
        Checks.required("worker_id", workerId);
        if (total <= 0 || done < 0 || done > total) {
            throw new IllegalArgumentException("progress needs 0 <= done <= total and total > 0, was " + done + " of "
                    + total);
        }
    }

    public String key() {
        return jobId + "/" + taskId;
    }

    /** done / total. */
    public double fraction() {
        return (double) done / total;
    }
}
