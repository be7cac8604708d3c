package dev.optinfleet.registry;

/**
 * Another registry instance with the same transactional id started and took over writing; this one may not write
 * again. Not retryable: close this instance (the newer one serves registrations).
 */
public final class RegistryFencedException extends RegistryException {
    public RegistryFencedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
