package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.config.TaskDeadlineSettings;
import dev.optinfleet.coordinator.messaging.TaskPublisher;
import dev.optinfleet.coordinator.planning.PlannedTask;
import dev.optinfleet.fleet.threads.NamedThreads;
import dev.optinfleet.schemas.status.JobState;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices tasks that never come back (issue 16): every {@code optin.coordinator.task-deadline.check-interval} it
 * looks at each scoring job's missing tasks ({@link TaskDeadlines}); a task past its deadline is published again, at
 * most {@code max-republish} times, after which its job fails naming the task. So a job never sits in SCORING
 * forever because a task record, a worker or a result was lost.
 */
@Singleton
public class TaskDeadlineWatch {
    private static final Logger LOG = Logger.getLogger(TaskDeadlineWatch.class);

    private final JobRegistry registry;
    private final JobUpdates updates;
    private final TaskPublisher tasks;
    private final FleetActivity activity;
    private final Clock clock;
    private final TaskDeadlineSettings settings;
    private final JobMetrics metrics;
    private ScheduledExecutorService timer;

    public TaskDeadlineWatch(JobRegistry registry, JobUpdates updates, TaskPublisher tasks, FleetActivity activity,
                             Clock clock, CoordinatorSettings settings, JobMetrics metrics) {
        this.registry = registry;
        this.updates = updates;
        this.tasks = tasks;
        this.activity = activity;
        this.clock = clock;
        this.settings = settings.taskDeadline();
        this.metrics = metrics;
    }

    void onStart(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(NamedThreads.factory("optin-task-deadlines"));
        long every = settings.checkInterval().toMillis();
        timer.scheduleWithFixedDelay(this::checkSafely, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            // Kafka refusing the republication, typically: the next check tries again.
            LOG.errorf(e, "checking task deadlines failed: %s", e.getMessage());
        }
    }

    /** One pass over every scoring job (also called by tests); returns how many tasks it published again. */
    public synchronized int check() {
        int again = 0;
        for (Job job : registry.all()) {
            if (job.state() == JobState.SCORING) {
                again += check(job);
            }
        }
        return again;
    }

    private int check(Job job) {
        List<PlannedTask> missing;
        try {
            missing = job.missingTasks();
        } catch (IllegalStateException e) {
            return 0; // finished (or being re-planned) since it was listed
        }
        long now = clock.millis();
        int again = 0;
        for (TaskDeadlines.Overdue o : job.deadlines().overdue(missing, now, activity.last(), settings)) {
            String id = o.task().id();
            if (job.unfinishedTask(id) == null) {
                continue; // merged meanwhile
            }
            String silence = "task " + id + " had neither a result nor progress for "
                    + Duration.ofMillis(o.silentMillis()).toSeconds() + " s (deadline "
                    + Duration.ofMillis(o.deadline()).toSeconds() + " s, " + (o.started() ? "after it had started"
                    : "never started while the fleet was idle") + ")";
            if (o.republished() >= settings.maxRepublish()) {
                updates.fail(job, silence + " and was already published again " + o.republished()
                        + " time(s); giving up");
                return again;
            }
            tasks.publish(List.of(o.task().message()));
            int n = job.deadlines().republished(id, clock.millis());
            metrics.tasksPublished(1);
            again++;
            LOG.warnf("job %s: %s; published it again (%d of at most %d)", job.id(), silence, n,
                    settings.maxRepublish());
        }
        return again;
    }
}
