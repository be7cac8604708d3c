package dev.optinfleet.coordinator.recovery;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.coordinator.messaging.KafkaClientProperties;
import dev.optinfleet.coordinator.planning.JobPlanner;
import dev.optinfleet.fleet.threads.NamedThreads;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.TaskScores;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Rebuilds the coordinator's state from Kafka at start-up, before it serves: every job's latest status from
 * {@code optin.job-status}, and every unfinished job's stored results from {@code optin.task-scores}
 * ({@link StateReader}). Each job becomes known with its last status (so GET /jobs answers at once); each
 * unfinished one is then resumed by the {@link JobPlanner}: planned again from its recorded request, its stored
 * results merged, and only tasks without a result published.
 *
 * <p>Runs on its own thread so that a slow or absent broker does not block start-up; retried until it succeeds.
 * Until then readiness is DOWN, the REST API answers 503 and the consumers wait ({@link #awaitRecovered}), so no
 * result, dead letter or request is handled against a half-built state.
 */
@Singleton
public class JobRecovery {
    private static final Logger LOG = Logger.getLogger(JobRecovery.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(5);

    private final JobRegistry registry;
    private final JobPlanner planner;
    private final Map<String, Object> kafkaProperties;
    private final Duration timeout;
    private final CompletableFuture<Summary> recovered = new CompletableFuture<>();

    public JobRecovery(JobRegistry registry, JobPlanner planner, CoordinatorSettings settings,
                       KafkaClientProperties kafka) {
        this.registry = registry;
        this.planner = planner;
        this.kafkaProperties = kafka.common();
        this.timeout = settings.recoveryTimeout();
    }

    /**
     * What one recovery pass did.
     *
     * @param jobs           jobs it found on the status topic
     * @param adopted        jobs it registered (those this instance did not know)
     * @param resumed        adopted jobs that were unfinished and are being resumed
     * @param storedResults  stored results handed to the resumed jobs
     */
    public record Summary(int jobs, int adopted, int resumed, int storedResults) {
    }

    void onStart(@Observes StartupEvent event) {
        NamedThreads.start("optin-recovery", this::recoverUntilDone);
    }

    /** Whether start-up recovery finished. */
    public boolean isRecovered() {
        return recovered.isDone() && !recovered.isCompletedExceptionally();
    }

    /**
     * Blocks until start-up recovery finished (consumers call this before handling a record).
     *
     * @throws IllegalStateException when interrupted or not recovered within the recovery timeout
     */
    public void awaitRecovered() {
        if (recovered.isDone()) {
            return;
        }
        try {
            recovered.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for start-up recovery", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("start-up recovery has not finished: " + e.getMessage(), e);
        }
    }

    /**
     * One recovery pass: reads the topics and adopts every job this instance does not know, resuming the unfinished
     * ones. Idempotent: known jobs are left alone, so running it again only picks up jobs that appeared on the
     * topics meanwhile (that is how a test plays a second coordinator against the same topics).
     */
    public Summary recover() {
        long started = System.nanoTime();
        RecoveredState state = new StateReader(kafkaProperties, timeout).read();
        int adopted = 0;
        int resumed = 0;
        int results = 0;
        for (JobStatus status : state.statuses().values()) {
            if (registry.contains(status.jobId())) {
                continue;
            }
            Job job = Job.fromStatus(status);
            Map<String, TaskScores> stored = state.scoresOf(status.jobId());
            stored.values().forEach(job::restore);
            if (!registry.add(job)) {
                continue;
            }
            adopted++;
            if (!status.state().isFinal()) {
                resumed++;
                results += stored.size();
                LOG.infof("resuming job %s (%s) with %d stored task results", job.id(), status.state().wireName(),
                        stored.size());
                planner.start(job);
            }
        }
        Summary summary = new Summary(state.statuses().size(), adopted, resumed, results);
        LOG.infof("recovered %s in %d ms", summary, (System.nanoTime() - started) / 1_000_000);
        return summary;
    }

    private void recoverUntilDone() {
        while (true) {
            try {
                recovered.complete(recover());
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "recovering job state from Kafka failed, retrying in %d s: %s",
                        RETRY_PAUSE.toSeconds(), e.getMessage());
            }
            try {
                // A backoff between attempts while the broker is unreachable, not synchronisation.
                Thread.sleep(RETRY_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                recovered.completeExceptionally(e);
                return;
            }
        }
    }
}
