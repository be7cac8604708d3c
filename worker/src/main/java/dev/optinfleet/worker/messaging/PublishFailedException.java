package dev.optinfleet.worker.messaging;

/**
 * Kafka did not acknowledge a message the worker produced (scores or a dead letter) in time. Not the task's fault:
 * the incoming task is given back unacknowledged, so that its offset is not committed and it is delivered again.
 */
public class PublishFailedException extends RuntimeException {
    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
