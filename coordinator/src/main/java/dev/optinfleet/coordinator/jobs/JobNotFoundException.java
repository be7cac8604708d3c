package dev.optinfleet.coordinator.jobs;

/** No job (or no budget of a job) by that id; the REST API answers 404. */
public class JobNotFoundException extends RuntimeException {
    public JobNotFoundException(String message) {
        super(message);
    }
}
