package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.S3Uri;

/**
 * Where a job's outputs go: everything under one prefix, {@code <output_prefix>/<name>/<job id>/}, laid out as the
 * local pruner writes a directory ({@code scores.json}, {@code budget-<b>/mask.json}, {@code budget-<b>/config.json},
 * ...), so that a client downloads the folder of {@code scores_uri} and has the same tree.
 */
public final class OutputLocation {
    private OutputLocation() {
    }

    /** The job's prefix, ending in '/'. */
    public static S3Uri jobPrefix(JobRequest completed, String jobId) {
        return S3Uri.parse(completed.outputPrefix()).resolve(completed.name() + "/" + jobId + "/");
    }

    /** The object of a file at {@code relative} (a '/'-separated path) inside the job's prefix. */
    public static S3Uri object(JobRequest completed, String jobId, String relative) {
        return jobPrefix(completed, jobId).resolve(relative);
    }

    public static S3Uri scores(JobRequest completed, String jobId) {
        return object(completed, jobId, JobOutputs.SCORES_FILE);
    }

    public static S3Uri mask(JobRequest completed, String jobId, double budget) {
        return object(completed, jobId, JobOutputs.budgetDirName(budget) + "/" + JobOutputs.MASK_FILE);
    }

    public static S3Uri checkpointConfig(JobRequest completed, String jobId, double budget) {
        return object(completed, jobId, JobOutputs.budgetDirName(budget) + "/config.json");
    }
}
