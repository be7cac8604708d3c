package dev.optinfleet.coordinator.storage;

import dev.optinfleet.storage.StorageUnavailableException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Retries object-storage work that failed transiently ({@link StorageUnavailableException}) a few times with a
 * doubling pause, so that a storage hiccup while a job is planned or written does not fail the job. Everything else
 * (a missing object, a refused request) fails at once: retrying does not change it.
 */
public final class StorageRetry {
    private static final Logger LOG = Logger.getLogger(StorageRetry.class);
    static final int ATTEMPTS = 4;
    static final Duration FIRST_PAUSE = Duration.ofMillis(500);

    private StorageRetry() {
    }

    public static <T> T call(String what, Supplier<T> work) {
        Duration pause = FIRST_PAUSE;
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (StorageUnavailableException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("%s: attempt %d of %d failed (%s); retrying in %d ms", what, attempt, ATTEMPTS,
                        e.getMessage(), pause.toMillis());
                try {
                    // A backoff between attempts, not synchronisation: nothing else signals that storage is back.
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = pause.multipliedBy(2);
            }
        }
    }
}
