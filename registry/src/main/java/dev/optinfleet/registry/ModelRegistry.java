package dev.optinfleet.registry;

import java.util.List;
import java.util.Optional;

/**
 * Where pruned model versions are registered and found.
 *
 * <p>{@link #register} is idempotent per output: registering a draft whose name, job id and budget match an
 * existing version returns that version instead of adding one, so a job that finishes twice (a coordinator restarted
 * after registering, a retried call) registers once.
 *
 * <p>Failures are {@link RegistryException}s typed by what the caller can do: retry later
 * ({@link RegistryUnavailableException}), fix the request ({@link RegistryRequestException}), or stop because
 * another instance took over ({@link RegistryFencedException}).
 */
public interface ModelRegistry extends AutoCloseable {

    /** Registers the draft as the next version of its name (1 for a new name) and returns it. */
    ModelVersion register(ModelVersionDraft draft);

    /** Every version, by name, then version. */
    List<ModelVersion> list();

    /** Every version of one name, oldest first; empty for an unknown name. */
    List<ModelVersion> list(String name);

    /** One version, if registered. */
    Optional<ModelVersion> get(String name, int version);

    /** The highest version of the name, if any. */
    default Optional<ModelVersion> latest(String name) {
        List<ModelVersion> versions = list(name);
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }

    @Override
    void close();
}
