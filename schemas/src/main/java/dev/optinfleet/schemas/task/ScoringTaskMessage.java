package dev.optinfleet.schemas.task;

import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.job.ScoringSpec;

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
 */
public record ScoringTaskMessage(int schemaVersion, String jobId, String taskId, String modelUri,
                                 String tokenizerUri, int shardIndex, String shardUri, ScoringSpec scoring,
                                 TaskSpec task) {
    public static final int SCHEMA_VERSION = 1;

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
    }
}
