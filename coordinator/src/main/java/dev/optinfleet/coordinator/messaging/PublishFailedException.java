package dev.optinfleet.coordinator.messaging;

/**
 * Kafka did not acknowledge something the coordinator published (tasks, a status, a dead letter) in time. Not the
 * job's fault: the coordinator's link to Kafka is broken, and its state on the topics is what a restart resumes from.
 */
public class PublishFailedException extends RuntimeException {
    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
