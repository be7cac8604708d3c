package dev.optinfleet.coordinator.planning;

/**
 * A job request that cannot run as submitted: a field is invalid or an object it names does not exist. The
 * message names the field (and the object); REST answers 400, the request topic dead-letters it.
 */
public class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
