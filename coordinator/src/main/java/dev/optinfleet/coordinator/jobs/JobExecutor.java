package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.fleet.threads.NamedThreads;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The threads that plan jobs and write their outputs: downloads, tokenising, solving and slicing take seconds to
 * minutes and must run neither on the event loop nor on a Kafka consumer's thread. Bounded by
 * {@code optin.coordinator.job-threads}.
 */
@Singleton
public class JobExecutor {
    private static final Logger LOG = Logger.getLogger(JobExecutor.class);

    private final ExecutorService executor;

    public JobExecutor(CoordinatorSettings settings) {
        this.executor = Executors.newFixedThreadPool(settings.jobThreads(), NamedThreads.factory("optin-job"));
    }

    /** Runs the work later; what it throws is logged (the work itself fails its job). */
    public void submit(String what, Runnable work) {
        executor.execute(() -> {
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                LOG.errorf(e, "%s failed: %s", what, e.getMessage());
            }
        });
    }

    @PreDestroy
    void shutdown() {
        executor.shutdownNow();
    }
}
