package dev.optinfleet.cli;

/** The coordinator named on the command line did not answer. Retryable once it is up. */
public class CoordinatorUnreachableException extends RuntimeException {
    public CoordinatorUnreachableException(String url, Throwable cause) {
        super("cannot reach the coordinator at " + url + ": " + cause.getMessage(), cause);
    }
}
