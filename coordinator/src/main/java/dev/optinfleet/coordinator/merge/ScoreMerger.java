package dev.optinfleet.coordinator.merge;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobMetrics;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.coordinator.jobs.JobScored;
import dev.optinfleet.coordinator.jobs.JobUpdates;
import dev.optinfleet.schemas.task.TaskScores;
import jakarta.enterprise.event.Event;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Merges one task's result into its job: counted once per task however often and in whatever order results arrive
 * (core's term table is keyed by task and sums in canonical order); results of unknown or finished jobs are
 * ignored. Publishes progress (throttled) and hands a completely scored job to the finisher.
 */
@Singleton
public class ScoreMerger {
    private static final Logger LOG = Logger.getLogger(ScoreMerger.class);

    private final JobRegistry registry;
    private final JobUpdates updates;
    private final JobMetrics metrics;
    private final Event<JobScored> scored;

    public ScoreMerger(JobRegistry registry, JobUpdates updates, JobMetrics metrics, Event<JobScored> scored) {
        this.registry = registry;
        this.updates = updates;
        this.metrics = metrics;
        this.scored = scored;
    }

    /** What happened to a result. */
    public enum Outcome { MERGED, DUPLICATE, PENDING, IGNORED }

    /**
     * @throws UnknownTaskException     when the job is known but has no task of that id
     * @throws IllegalArgumentException when the terms do not fit the job's model
     */
    public Outcome merge(TaskScores scores) {
        Job job = registry.get(scores.jobId());
        if (job == null) {
            metrics.ignored();
            LOG.debugf("ignoring the result of task %s of unknown job %s", scores.taskId(), scores.jobId());
            return Outcome.IGNORED;
        }
        Job.Merge result = job.merge(scores);
        switch (result) {
            case MERGED -> {
                metrics.merged();
                updates.progress(job);
                scored.fire(new JobScored(job));
                return Outcome.MERGED;
            }
            case DUPLICATE -> {
                metrics.duplicate();
                return Outcome.DUPLICATE;
            }
            case PENDING -> {
                return Outcome.PENDING;
            }
            case FINISHED -> {
                metrics.ignored();
                return Outcome.IGNORED;
            }
            case UNKNOWN_TASK -> {
                metrics.ignored();
                throw new UnknownTaskException("task_id " + scores.taskId() + " is not a task of job "
                        + scores.jobId());
            }
            default -> throw new IllegalStateException("unexpected merge result " + result);
        }
    }

    /** A result names a task its job does not have: a bug or a stale producer, worth a dead letter. */
    public static class UnknownTaskException extends RuntimeException {
        public UnknownTaskException(String message) {
            super(message);
        }
    }
}
