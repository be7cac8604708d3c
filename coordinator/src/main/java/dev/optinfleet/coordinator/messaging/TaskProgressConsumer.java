package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.jobs.FleetActivity;
import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.task.TaskProgress;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Workers' progress inside running tasks (channel {@value #CHANNEL}, topic {@code optin.task-progress}) into the
 * jobs' in-memory progress, which {@code GET /jobs/{id}} shows. A display only: a record for an unknown job or task,
 * or one that cannot be read, is dropped with a debug line; nothing is dead-lettered or persisted. Progress also
 * keeps a running task's deadline from passing ({@code TaskDeadlines}).
 */
@ApplicationScoped
public class TaskProgressConsumer {
    public static final String CHANNEL = "task-progress";
    private static final Logger LOG = Logger.getLogger(TaskProgressConsumer.class);

    private final JobRegistry jobs;
    private final FleetActivity activity;
    private final Clock clock;

    public TaskProgressConsumer(JobRegistry jobs, FleetActivity activity, Clock clock) {
        this.jobs = jobs;
        this.activity = activity;
        this.clock = clock;
    }

    @Incoming(CHANNEL)
    public void consume(String payload) {
        try {
            TaskProgress p = Json.read(payload, TaskProgress.class);
            Job job = jobs.get(p.jobId());
            activity.heard();
            if (job != null) {
                job.progressed(p.taskId(), p.fraction());
                if (job.unfinishedTask(p.taskId()) != null) {
                    job.deadlines().progressed(p.taskId(), clock.millis());
                }
            }
        } catch (RuntimeException e) {
            LOG.debugf("progress record dropped: %s", e.toString());
        }
    }
}
