package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.schemas.status.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

/**
 * The coordinator's meters, exported at {@code /q/metrics} (Prometheus names in brackets): jobs by state
 * [optin_coordinator_jobs{state}], task results merged [optin_coordinator_tasks_merged_total], duplicate results
 * ignored [optin_coordinator_task_duplicates_total], results for unknown or finished jobs or tasks ignored
 * [optin_coordinator_scores_ignored_total], tasks published [optin_coordinator_tasks_published_total], statuses
 * published [optin_coordinator_status_published_total] and messages dead-lettered
 * [optin_coordinator_dead_letters_total]. Created at start-up so that every meter is exported before the first job.
 */
@Singleton
@Startup
public class JobMetrics {
    private final Counter merged;
    private final Counter duplicates;
    private final Counter ignored;
    private final Counter published;
    private final Counter statuses;
    private final Counter deadLetters;

    public JobMetrics(MeterRegistry registry, JobRegistry jobs) {
        for (JobState state : JobState.values()) {
            Gauge.builder("optin.coordinator.jobs", jobs, r -> r.all().stream().filter(j -> j.state() == state)
                            .count())
                    .description("Jobs known to this coordinator, by state").tag("state", state.wireName())
                    .register(registry);
        }
        this.merged = Counter.builder("optin.coordinator.tasks.merged")
                .description("Task results merged into their job (first arrival)").register(registry);
        this.duplicates = Counter.builder("optin.coordinator.task.duplicates")
                .description("Task results ignored because the task's result had been merged").register(registry);
        this.ignored = Counter.builder("optin.coordinator.scores.ignored")
                .description("Task results of unknown or finished jobs, or of tasks not in the plan")
                .register(registry);
        this.published = Counter.builder("optin.coordinator.tasks.published")
                .description("Scoring tasks published for workers").register(registry);
        this.statuses = Counter.builder("optin.coordinator.status.published")
                .description("Job statuses published").register(registry);
        this.deadLetters = Counter.builder("optin.coordinator.dead.letters")
                .description("Input messages the coordinator dead-lettered").register(registry);
    }

    public void merged() {
        merged.increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void ignored() {
        ignored.increment();
    }

    public void tasksPublished(int count) {
        published.increment(count);
    }

    public void statusPublished() {
        statuses.increment();
    }

    public void deadLettered() {
        deadLetters.increment();
    }
}
