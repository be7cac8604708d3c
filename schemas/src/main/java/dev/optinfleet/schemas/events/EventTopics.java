package dev.optinfleet.schemas.events;

/**
 * Topics of the checkpoint-event intake besides {@link dev.optinfleet.schemas.Topics#CHECKPOINT_EVENTS}. (Kept here
 * while the intake is new; belongs in {@link dev.optinfleet.schemas.Topics} with a KafkaTopic in k8s/base.)
 */
public final class EventTopics {
    /**
     * Checkpoint versions that already started a job. Compacted, key {@code bucket/weights-key@etag}, value
     * {@link ProcessedCheckpoint}; read back in full at start-up.
     */
    public static final String PROCESSED_CHECKPOINTS = "optin.processed-checkpoints";

    private EventTopics() {
    }
}
