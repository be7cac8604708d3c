package dev.optinfleet.schemas;

/**
 * Default Kafka topic names, used by production code, manifests and tests alike. Each application lets
 * configuration override them; these are the values when it does not.
 */
public final class Topics {
    /** Job requests from the REST API, the CLI and checkpoint events. Key: job id. */
    public static final String JOB_REQUESTS = "optin.job-requests";
    /** Scoring tasks for workers; its partition count bounds how many workers help. Key: task id. */
    public static final String SCORING_TASKS = "optin.scoring-tasks";
    /** Terms computed by workers. Compacted, key job id + "/" + task id: a redelivered result replaces itself. */
    public static final String TASK_SCORES = "optin.task-scores";
    /** Latest state of every job. Compacted, key: job id. */
    public static final String JOB_STATUS = "optin.job-status";
    /** Messages that could not be processed, with the reason. */
    public static final String DEAD_LETTERS = "optin.dead-letters";
    /** S3 bucket notifications (MinIO or AWS format). Key: bucket/object. */
    public static final String CHECKPOINT_EVENTS = "optin.checkpoint-events";
    /**
     * Checkpoint versions (bucket, weights key, ETag) that already started a job: the event intake's dedupe ledger.
     * Compacted, key: bucket/key@etag.
     */
    public static final String PROCESSED_CHECKPOINTS = "optin.processed-checkpoints";
    /** Registered model versions. Compacted, key: model name + "/" + version. */
    public static final String MODEL_REGISTRY = "optin.model-registry";
    /** Workers' progress inside a task (ephemeral, not compacted). */
    public static final String TASK_PROGRESS = "optin.task-progress";
    /**
     * The coordinators' lease: one partition, never written; whichever coordinator its consumer group assigns the
     * partition to is the active one, the others stand by.
     */
    public static final String COORDINATOR_LEASE = "optin.coordinator-lease";

    private Topics() {
    }
}
