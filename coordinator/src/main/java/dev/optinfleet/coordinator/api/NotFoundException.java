package dev.optinfleet.coordinator.api;

/** No model, model version or other resource by that name (jobs have {@code JobNotFoundException}); 404. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
