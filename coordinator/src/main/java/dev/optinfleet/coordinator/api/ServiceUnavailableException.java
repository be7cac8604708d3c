package dev.optinfleet.coordinator.api;

/** The coordinator cannot answer yet (still recovering its state from Kafka); 503, retry shortly. */
public class ServiceUnavailableException extends RuntimeException {
    public ServiceUnavailableException(String message) {
        super(message);
    }
}
