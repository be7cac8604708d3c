package dev.optinfleet.fleet.kafka;

/**
 * Kafka did not acknowledge something this process published (tasks, a status, scores, a dead letter) in time. Not
 * the fault of the record being handled: the process's link to Kafka is broken. The coordinator stops the channel
 * and resumes from its topics after a restart; the worker gives the incoming task back unacknowledged, so that its
 * offset is not committed and it is delivered again.
 */
public class PublishFailedException extends RuntimeException {
    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
