package dev.optinfleet.coordinator.security;

/** A request field over its cap; answered 400 naming the field, its value and the cap. */
public class LimitExceededException extends RuntimeException {
    public LimitExceededException(String message) {
        super(message);
    }
}
