package dev.optinfleet.coordinator.jobs;

/** The job exists but is not in a state that allows the request (e.g. a new budget before it is done); 409. */
public class JobConflictException extends RuntimeException {
    public JobConflictException(String message) {
        super(message);
    }
}
