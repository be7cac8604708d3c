package dev.optinfleet.coordinator.security;

/** A request body over its endpoint's limit; answered 413 with the limit and the setting that holds it. */
public class PayloadTooLargeException extends RuntimeException {
    public PayloadTooLargeException(String message) {
        super(message);
    }
}
