package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.scoring.ScoringTask;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A job's tasks in plan order, by id; immutable. */
public final class JobPlan {
    private final List<PlannedTask> tasks;
    private final Map<String, PlannedTask> byId;
    private final List<ScoringTask> coreTasks;
    private final long totalUnits;

    public JobPlan(List<PlannedTask> tasks) {
        this.tasks = List.copyOf(tasks);
        Map<String, PlannedTask> ids = new LinkedHashMap<>();
        long units = 0;
        for (PlannedTask t : this.tasks) {
            if (ids.put(t.id(), t) != null) {
                throw new IllegalArgumentException("task id " + t.id() + " occurs twice in one plan");
            }
            units += t.units();
        }
        this.byId = Collections.unmodifiableMap(ids);
        this.coreTasks = this.tasks.stream().map(PlannedTask::task).toList();
        this.totalUnits = units;
    }

    public List<PlannedTask> tasks() {
        return tasks;
    }

    /** The task with this id, or null when the plan has none. */
    public PlannedTask task(String id) {
        return byId.get(id);
    }

    public List<ScoringTask> coreTasks() {
        return coreTasks;
    }

    public int size() {
        return tasks.size();
    }

    public long totalUnits() {
        return totalUnits;
    }
}
