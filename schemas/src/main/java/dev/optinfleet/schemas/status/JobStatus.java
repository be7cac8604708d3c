package dev.optinfleet.schemas.status;

import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.job.JobRequest;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The latest state of a job, on the compacted topic {@code optin.job-status} (key: job id). It carries the request,
 * so a restarted coordinator can rebuild every unfinished job from this topic and the scores topic alone.
 * Schema: {@code /schemas/job-status.schema.json}.
 *
 * @param schemaVersion 1
 * @param jobId         the job
 * @param state         where it is
 * @param request       the request, with scoring settings completed
 * @param tasksTotal    planned scoring tasks (0 until planned)
 * @param tasksDone     distinct tasks whose scores arrived
 * @param unitsTotal    unit evaluations planned
 * @param unitsScored   unit evaluations done
 * @param submittedAt   epoch milliseconds
 * @param updatedAt     epoch milliseconds
 * @param error         why it failed, naming the object, task or field at fault; null unless failed
 * @param outputWeight  w of the trajectory score, once derived
 * @param results       per budget, once done
 * @param scoresUri     the merged raw scores, once done
 * @param reportUri     report.html, once done
 * @param inputEtags    object URI -> ETag of every input as read once at planning (null before): the versions the
 *                      job's tasks and finishing step use, also after a restart
 */
public record JobStatus(int schemaVersion, String jobId, JobState state, JobRequest request, int tasksTotal,
                        int tasksDone, long unitsTotal, long unitsScored, long submittedAt, long updatedAt,
                        String error, Double outputWeight, List<BudgetResult> results, String scoresUri,
                        String reportUri, Map<String, String> inputEtags) {
    public static final int SCHEMA_VERSION = 1;

    /** A status without pinned input versions (before planning, or from a coordinator that does not pin). */
    public JobStatus(int schemaVersion, String jobId, JobState state, JobRequest request, int tasksTotal,
                     int tasksDone, long unitsTotal, long unitsScored, long submittedAt, long updatedAt,
                     String error, Double outputWeight, List<BudgetResult> results, String scoresUri,
                     String reportUri) {
        this(schemaVersion, jobId, state, request, tasksTotal, tasksDone, unitsTotal, unitsScored, submittedAt,
                updatedAt, error, outputWeight, results, scoresUri, reportUri, null);
    }

    public JobStatus {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("job_id", jobId);
        Objects.requireNonNull(state, "state is required");
        Objects.requireNonNull(request, "request is required");
        if (tasksDone < 0 || tasksTotal < 0 || tasksDone > tasksTotal) {
            throw new IllegalArgumentException("tasks_done must be in [0, tasks_total], was " + tasksDone + " of "
                    + tasksTotal);
        }
        if (state == JobState.FAILED && (error == null || error.isBlank())) {
            throw new IllegalArgumentException("a failed job needs an error");
        }
        results = results == null ? List.of() : List.copyOf(results);
        inputEtags = inputEtags == null ? null : Map.copyOf(inputEtags);
    }
}
