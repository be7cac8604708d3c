package dev.optinfleet.coordinator.planning;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobExecutor;
import dev.optinfleet.coordinator.jobs.JobMetrics;
import dev.optinfleet.coordinator.jobs.JobScored;
import dev.optinfleet.coordinator.jobs.JobUpdates;
import dev.optinfleet.coordinator.messaging.TaskPublisher;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.storage.ObjectChangedException;
import dev.optinfleet.storage.StorageUnavailableException;
import jakarta.enterprise.event.Event;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Plans a job on a job thread: reads its inputs ({@link InputPreparer}), splits it ({@link TaskPlanner}), installs
 * the plan (merging any results that were waiting for it), publishes every task whose result is not stored and waits
 * for Kafka's acknowledgements, then publishes SCORING with the totals.
 *
 * <p>The same step resumes a job after a restart: an accepted or scoring job publishes only its tasks without a
 * stored result (a completed task is never scored again). A scoring job's tasks may still be queued on the task
 * topic, so some are then scored twice, and merged once; but a task record lost in a leader failover, or never
 * acknowledged before the crash, would otherwise leave the job waiting forever. A solving job, or any job found
 * complete, goes straight to the finisher.
 */
@Singleton
public class JobPlanner {
    private static final Logger LOG = Logger.getLogger(JobPlanner.class);

    private final InputPreparer preparer;
    private final TaskPublisher tasks;
    private final JobUpdates updates;
    private final JobExecutor executor;
    private final JobMetrics metrics;
    private final Event<JobScored> scored;

    public JobPlanner(InputPreparer preparer, TaskPublisher tasks, JobUpdates updates, JobExecutor executor,
                      JobMetrics metrics, Event<JobScored> scored) {
        this.preparer = preparer;
        this.tasks = tasks;
        this.updates = updates;
        this.executor = executor;
        this.metrics = metrics;
        this.scored = scored;
    }

    /** Plans (or resumes) the job later on a job thread; returns at once. */
    public void start(Job job) {
        executor.submit("planning job " + job.id(), () -> plan(job));
    }

    private void plan(Job job) {
        long started = System.nanoTime();
        JobState resumedFrom = job.state();
        try {
            // A resumed job reads exactly the versions it pinned when first planned (its status keeps them).
            JobInputs inputs = preparer.prepare(job.id(), job.request(), job.inputEtags());
            JobPlan plan = TaskPlanner.plan(job.id(), job.request(), inputs);
            if (job.state().isFinal()) {
                return; // failed meanwhile (a dead letter of a resumed job): publish nothing for it
            }
            List<String> unknown = job.planned(inputs, plan);
            if (!unknown.isEmpty()) {
                LOG.warnf("job %s: ignored stored results of tasks not in its plan: %s", job.id(), unknown);
            }
            if (job.isScored()) {
                scored.fire(new JobScored(job));
                return;
            }
            List<PlannedTask> missing = job.missingTasks();
            tasks.publish(missing.stream().map(PlannedTask::message).toList());
            metrics.tasksPublished(missing.size());
            LOG.infof("job %s: published %d of %d tasks (%d units) in %d ms%s", job.id(), missing.size(),
                    plan.size(), plan.totalUnits(), (System.nanoTime() - started) / 1_000_000,
                    resumedFrom == JobState.SCORING ? " (resumed while scoring: the tasks without a stored result)"
                            : "");
            updates.scoring(job);
            // Every result may have arrived while the tasks were being published.
            scored.fire(new JobScored(job));
        } catch (StorageUnavailableException e) {
            updates.fail(job, "object storage was unavailable while planning: " + e.getMessage());
        } catch (ObjectChangedException e) {
            updates.fail(job, "an input changed: " + e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
            updates.fail(job, "planning failed: " + message);
        }
    }
}
