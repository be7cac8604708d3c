package dev.optinfleet.schemas.task;

import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.job.ScoringSpec;

import java.util.Map;
import java.util.Objects;

/**
 * One unit of scoring work, on topic {@code optin.scoring-tasks} (key: task id). Self-contained: a worker needs
 * nothing else to run it. Schema: {@code /schemas/scoring-task.schema.json}.
 *
 * @param schemaVersion 1
 * @param jobId         the job
 * @param taskId        unique within the job; the merge key
 * @param modelUri      the dense checkpoint
 * @param tokenizerUri  its tokenizer.json
 * @param shardIndex    position of the shard in the job's calibration list
 * @param shardUri      the calibration shard
 * @param scoring       complete settings (no nulls)
 * @param task          what to score
 * @param inputEtags    object URI -> ETag of every object the task reads (the model's files, the tokenizer, the
 *                      shard), as the coordinator read them once at planning: the worker scores exactly these
 *                      versions or fails the task naming the object. Null from a coordinator that does not pin
 *                      (the worker then pins what the job's first task on it saw)
 */
public record ScoringTaskMessage(int schemaVersion, String jobId, String taskId, String modelUri,
                                 String tokenizerUri, int shardIndex, String shardUri, ScoringSpec scoring,
                                 TaskSpec task, Map<String, String> inputEtags) {
    public static final int SCHEMA_VERSION = 1;

    /** A task without pinned versions. */
    public ScoringTaskMessage(int schemaVersion, String jobId, String taskId, String modelUri, String tokenizerUri,
                              int shardIndex, String shardUri, ScoringSpec scoring, TaskSpec task) {
        this(schemaVersion, jobId, taskId, modelUri, tokenizerUri, shardIndex, shardUri, scoring, task, null);
    }

    public ScoringTaskMessage {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("job_id", jobId);
        Checks.required("task_id", taskId);
        Checks.s3Uri("model_uri", modelUri);
        Checks.s3Uri("tokenizer_uri", tokenizerUri);
        Checks.atLeast("shard_index", shardIndex, 0);
        Checks.s3Uri("shard_uri", shardUri);
        Objects.requireNonNull(scoring, "scoring is required");
        Objects.requireNonNull(task, "task is required");
        if (inputEtags != null) {
            for (Map.Entry<String, String> e : inputEtags.entrySet()) {
                Checks.s3Uri("input_etags key", e.getKey());
                Checks.required("input_etags[" + e.getKey() + "]", e.getValue());
            }
            inputEtags = Map.copyOf(inputEtags);
        }
    }

    /** The pinned ETag of the object, or null when the task pins none for it. */
    public String etagOf(String uri) {
        return inputEtags == null ? null : inputEtags.get(uri);
    }
}
