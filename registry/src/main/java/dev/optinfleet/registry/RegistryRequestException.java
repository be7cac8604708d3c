package dev.optinfleet.registry;

/**
 * The registry refused the request for a reason a retry does not change (a missing topic, a rejected name, an MLflow
 * error such as {@code INVALID_PARAMETER_VALUE} or {@code PERMISSION_DENIED}). The message names the request and the
 * server's error. Not retryable: fix the request or the configuration.
 */
public final class RegistryRequestException extends RegistryException {
    public RegistryRequestException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
