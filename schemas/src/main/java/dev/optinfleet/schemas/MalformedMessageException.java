package dev.optinfleet.schemas;

/**
 * A message or file that does not follow its schema. Not retryable: the same bytes will fail again, so consumers
 * send it to the dead-letter topic with this message as the reason.
 */
public class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }

    public MalformedMessageException(String message) {
        super(message);
    }
}
