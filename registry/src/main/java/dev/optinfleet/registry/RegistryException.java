package dev.optinfleet.registry;

/**
 * A failed registry operation, typed by what the caller can do: {@link #isRetryable()} says whether the same call may
 * succeed later. Unchecked, so retry policies can select on the type.
 */
public abstract sealed class RegistryException extends RuntimeException
        permits RegistryUnavailableException, RegistryRequestException, RegistryFencedException {

    protected RegistryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether repeating the same call later may succeed. */
    public abstract boolean isRetryable();
}
