package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.coordinator.config.TaskDeadlineSettings;
import dev.optinfleet.coordinator.planning.PlannedTask;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One job's bookkeeping of when each unfinished task was last heard of, how often it was published again for a
 * missed deadline, and how many of its deliveries failed with a retryable error (issue 16). In memory only: a
 * restarted coordinator starts every count afresh, which bounds the retries per coordinator life.
 *
 * <p>A task's clock starts when the deadline watch first sees it unfinished (within one check interval of its
 * publication) and is reset by every progress record of it and by every republication. A task no worker has started
 * yet (no progress) may be queued behind other work, so until it starts its clock is also reset by any activity of
 * the fleet (a result or a progress record of any task of any job): only a fleet that has gone quiet with the task
 * still missing has lost it. A started task answers for itself: no progress within its deadline means it is lost
 * (its worker died, its result record was lost).
 *
 * <p>Thread-safe (own monitor); never calls out while holding it.
 */
public final class TaskDeadlines {
    private final Map<String, Long> lastHeard = new HashMap<>();
    private final Set<String> started = new HashSet<>();
    private final Map<String, Integer> republished = new HashMap<>();
    private final Map<String, Integer> failedDeliveries = new HashMap<>();
    /** The slowest rate this job's results showed, ms per unit; negative: no result yet. */
    private double msPerUnit = -1;

    /** A worker reported progress inside the task. */
    public synchronized void progressed(String taskId, long now) {
        started.add(taskId);
        lastHeard.merge(taskId, now, Math::max);
    }

    /** A result of the task was merged: it needs no deadline any more; its rate tells later tasks' expected time. */
    synchronized void merged(String taskId, long units, long elapsedMs) {
        lastHeard.remove(taskId);
        started.remove(taskId);
        if (units > 0 && elapsedMs > 0) {
            msPerUnit = Math.max(msPerUnit, (double) elapsedMs / units);
        }
    }

    /** The task was published again at {@code now}: its clock restarts, as if it had just been published. */
    public synchronized int republished(String taskId, long now) {
        lastHeard.put(taskId, now);
        started.remove(taskId);
        return republished.merge(taskId, 1, Integer::sum);
    }

    /**
     * The task was published again at {@code now} after a failed delivery: its clock restarts as for a task just
     * published (not started), so it may wait in the queue like one.
     */
    public synchronized void retried(String taskId, long now) {
        lastHeard.put(taskId, now);
        started.remove(taskId);
    }

    /** Forgets everything: the job finished. */
    synchronized void clear() {
        lastHeard.clear();
        started.clear();
    }

    /** Times the task was published again for a missed deadline. */
    public synchronized int republishCount(String taskId) {
        return republished.getOrDefault(taskId, 0);
    }

    /** A delivery of the task failed with a retryable error; returns the failed deliveries so far, this one included. */
    public synchronized int deliveryFailed(String taskId) {
        return failedDeliveries.merge(taskId, 1, Integer::sum);
    }

    /** Expected time of a task of this many units from this job's results, or -1 before the first result. */
    public synchronized double expectedMillis(long units) {
        return msPerUnit < 0 ? -1 : msPerUnit * units;
    }

    /**
     * The missing tasks whose deadline passed at {@code now}. A task seen for the first time starts its clock now.
     *
     * @param fleetActivity when the fleet last reported anything (result or progress of any task), or 0
     */
    public synchronized List<Overdue> overdue(List<PlannedTask> missing, long now, long fleetActivity,
                                              TaskDeadlineSettings settings) {
        List<Overdue> out = new ArrayList<>();
        for (PlannedTask t : missing) {
            Long heard = lastHeard.putIfAbsent(t.id(), now);
            if (heard == null) {
                continue;
            }
            long since = started.contains(t.id()) ? heard : Math.max(heard, fleetActivity);
            long deadline = settings.deadlineMillis(msPerUnit < 0 ? -1 : msPerUnit * t.units());
            if (now - since > deadline) {
                out.add(new Overdue(t, now - since, deadline, started.contains(t.id()),
                        republished.getOrDefault(t.id(), 0)));
            }
        }
        return out;
    }

    /**
     * A task past its deadline.
     *
     * @param silentMillis how long nothing was heard of it
     * @param deadline     its deadline, ms
     * @param started      whether a worker had reported progress in it
     * @param republished  times it was already published again for a missed deadline
     */
    public record Overdue(PlannedTask task, long silentMillis, long deadline, boolean started, int republished) {
    }
}
