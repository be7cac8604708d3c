package dev.optinfleet.coordinator.jobs;

import jakarta.inject.Singleton;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Every job this coordinator knows, finished ones included (their latest status answers GET /jobs). Thread-safe. */
@Singleton
public class JobRegistry {
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    /** Registers the job unless one with its id is known; returns whether it was added. */
    public boolean add(Job job) {
        return jobs.putIfAbsent(job.id(), job) == null;
    }

    /** Forgets a job that could not be accepted after all (its first status was not acknowledged). */
    public void remove(Job job) {
        jobs.remove(job.id(), job);
    }

    /** The job, or null. */
    public Job get(String id) {
        return jobs.get(id);
    }

    public boolean contains(String id) {
        return jobs.containsKey(id);
    }

    /** All jobs, oldest submission first. */
    public List<Job> all() {
        return jobs.values().stream().sorted(Comparator.comparingLong(Job::submittedAt).thenComparing(Job::id))
                .toList();
    }
}
