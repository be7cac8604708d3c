package dev.optinfleet.coordinator.planning;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.coordinator.jobs.JobUpdates;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectNotFoundException;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Accepts a job, from REST or the request topic alike: completes the request ({@link RequestCompletion}), checks
 * that every object it names exists, registers the job, publishes ACCEPTED (acknowledged by Kafka before this
 * returns, so an accepted job survives a crash) and starts planning it.
 */
@Singleton
public class JobIntake {
    /** Job ids become part of object keys and URLs. */
    /** The source REST submissions pass: a caller waiting on the answer. */
    static final String REST = "rest";
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final RequestCompletion completion;
    private final ObjectStore store;
    private final JobRegistry registry;
    private final JobUpdates updates;
    private final JobPlanner planner;
    private final StorageRetry backgroundRetry;

    /**
     * @param backgroundRetry the retry of requests nobody waits on (the request topic, checkpoint events): they ride
     *                        out a storage outage up to {@code optin.s3.retry.deadline}, since no client would retry
     *                        them; a REST caller gets a 503 after the quick {@link StorageRetry#DEFAULT} instead
     */
    public JobIntake(RequestCompletion completion, ObjectStore store, JobRegistry registry, JobUpdates updates,
                     JobPlanner planner, StorageRetry backgroundRetry) {
        this.backgroundRetry = backgroundRetry;
        this.completion = completion;
        this.store = store;
        this.registry = registry;
        this.updates = updates;
        this.planner = planner;
    }

    /** Whether the id can name a job (letters, digits, '.', '_', '-'; at most 128). */
    public static boolean isValidJobId(String id) {
        return id != null && JOB_ID.matcher(id).matches();
    }

    /**
     * Accepts the job unless a job with this id is known.
     *
     * @return the job (the known one for a repeated id)
     * @throws InvalidRequestException naming the field or object at fault
     */
    public Job submit(String jobId, JobRequest request, String defaultSource) {
        if (!isValidJobId(jobId)) {
            throw new InvalidRequestException("job id must be 1-128 letters, digits, '.', '_' or '-', was '" + jobId
                    + "'", null);
        }
        Job known = registry.get(jobId);
        if (known != null) {
            return known;
        }
        JobRequest completed;
        try {
            completed = completion.complete(withSource(request, defaultSource));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        requireObjects(completed, REST.equals(defaultSource) ? StorageRetry.DEFAULT : backgroundRetry);
        Job job = Job.accepted(jobId, completed, System.currentTimeMillis());
        if (!registry.add(job)) {
            return registry.get(jobId);
        }
        try {
            updates.accepted(job);
        } catch (RuntimeException e) {
            // Not durable, so not accepted: forget it, so that the client's (or the topic's) retry starts afresh.
            registry.remove(job);
            throw e;
        }
        planner.start(job);
        return job;
    }

    /** Every object the job reads, by the request field that names it; a missing one fails with both named. */
    private void requireObjects(JobRequest r, StorageRetry retry) {
        Map<S3Uri, String> objects = new LinkedHashMap<>();
        for (Map.Entry<String, S3Uri> e : ModelObjects.objects(S3Uri.parse(r.modelUri())).entrySet()) {
            objects.put(e.getValue(), e.getValue().toString().equals(r.modelUri()) ? "model_uri"
                    : "model_uri (" + e.getKey() + " beside it)");
        }
        objects.putIfAbsent(S3Uri.parse(r.tokenizerUri()), "tokenizer_uri (default: tokenizer.json beside the model)");
        for (int i = 0; i < r.calibrationUris().size(); i++) {
            objects.putIfAbsent(S3Uri.parse(r.calibrationUris().get(i)), "calibration_uris[" + i + "]");
        }
        for (Map.Entry<S3Uri, String> e : objects.entrySet()) {
            try {
                retry.call("stat " + e.getKey(), () -> store.stat(e.getKey()));
            } catch (ObjectNotFoundException notFound) {
                throw new InvalidRequestException(e.getValue() + ": " + notFound.getMessage(), notFound);
            }
        }
    }

    private static JobRequest withSource(JobRequest r, String source) {
        if (r.source() != null || source == null) {
            return r;
        }
        return r.withSubmitter(source, r.submittedBy());
    }
}
