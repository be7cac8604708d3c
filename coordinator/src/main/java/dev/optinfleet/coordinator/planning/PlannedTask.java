package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.schemas.task.ScoringTaskMessage;

import java.util.Objects;

/**
 * One task of a job's plan.
 *
 * @param id      unique within the job, the same on every re-plan of the same request (see {@link TaskIds})
 * @param task    core's task, the key of the term table
 * @param message what is published for the workers
 * @param units   unit evaluations it performs (its units for exact tasks, every unit for a gradient batch)
 */
public record PlannedTask(String id, ScoringTask task, ScoringTaskMessage message, long units) {
    public PlannedTask {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(message, "message");
    }
}
