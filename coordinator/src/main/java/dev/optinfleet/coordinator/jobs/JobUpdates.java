package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.messaging.StatusPublisher;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.schemas.status.JobState;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * The one place that changes a job's state and publishes its status on {@code optin.job-status}. Each change and
 * its publication happen under the job's monitor, so one job's statuses reach the compacted topic in order and the
 * latest one there is the latest one here. State changes always go out; progress at most once per
 * {@code optin.coordinator.progress-interval}.
 */
@Singleton
public class JobUpdates {
    private static final Logger LOG = Logger.getLogger(JobUpdates.class);

    private final StatusPublisher publisher;
    private final JobMetrics metrics;
    private final long progressIntervalNanos;

    public JobUpdates(StatusPublisher publisher, JobMetrics metrics, CoordinatorSettings settings) {
        this.publisher = publisher;
        this.metrics = metrics;
        this.progressIntervalNanos = settings.progressInterval().toNanos();
    }

    /** Publishes a newly accepted job's first status. */
    public void accepted(Job job) {
        synchronized (job) {
            publish(job);
        }
    }

    /** Publishes the job's progress unless one went out less than the progress interval ago. */
    public void progress(Job job) {
        synchronized (job) {
            if (!job.state().isFinal() && job.progressDue(System.nanoTime(), progressIntervalNanos)) {
                job.touched(System.currentTimeMillis());
                publish(job);
            }
        }
    }

    /**
     * Publishes that the job is scoring, with its totals, once its tasks are out (or, for a resumed job, its
     * recounted progress). Leaves a job alone that finished or went to the solver meanwhile.
     */
    public void scoring(Job job) {
        synchronized (job) {
            if (job.state().isFinal() || job.isSolvingScheduled()) {
                return;
            }
            job.setState(JobState.SCORING, System.currentTimeMillis());
            publish(job);
        }
    }

    /**
     * Hands the job to the solver: moves it to SOLVING once, however many threads see it complete.
     *
     * @return whether the caller is the one that must now solve it
     */
    public boolean beginSolving(Job job) {
        synchronized (job) {
            if (!job.markSolvingScheduled()) {
                return false;
            }
            if (job.state() != JobState.SOLVING) {
                job.setState(JobState.SOLVING, System.currentTimeMillis());
                publish(job);
            }
            return true;
        }
    }

    /** Fails an unfinished job with the reason (which names the object, task or field at fault). */
    public void fail(Job job, String reason) {
        synchronized (job) {
            if (job.state().isFinal()) {
                return;
            }
            LOG.warnf("job %s failed: %s", job.id(), reason);
            job.failed(reason, System.currentTimeMillis());
            publish(job);
        }
    }

    /** Marks the job done with its outputs. */
    public void done(Job job, Double outputWeight, List<BudgetResult> results, String scoresUri, String reportUri) {
        synchronized (job) {
            if (job.state().isFinal()) {
                return;
            }
            job.done(outputWeight, results, scoresUri, reportUri, System.currentTimeMillis());
            publish(job);
        }
    }

    /** Records the result of a budget asked for after the job was done. */
    public void budgetAdded(Job job, BudgetResult result) {
        synchronized (job) {
            job.putResult(result, System.currentTimeMillis());
            publish(job);
        }
    }

    private void publish(Job job) {
        publisher.publish(job.status());
        job.published(System.nanoTime());
        metrics.statusPublished();
    }
}
