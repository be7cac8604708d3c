package dev.optinfleet.registry;

/**
 * The registry's backing service (Kafka, object storage, an MLflow server) could not be reached or answered with a
 * transient error. Retryable with backoff; {@link ModelRegistry#register} is idempotent, so a retry does not add a
 * second version.
 */
public final class RegistryUnavailableException extends RegistryException {
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
