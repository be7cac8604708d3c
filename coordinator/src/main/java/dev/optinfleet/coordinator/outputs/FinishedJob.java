package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.coordinator.jobs.ScoringStats;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.scores.ScoresDocument;

/**
 * What a {@link JobCompletionHook} gets: a job whose scores and budgets are written and uploaded, just before it is
 * published as done. Valid only during the hook call (the checkpoint and the local files go away after it).
 *
 * @param jobId   the job
 * @param request its completed request (name, budgets, evaluation_uri, ...)
 * @param dense   the dense model (its headers, or its weights for an ONNX model), named after the job
 * @param scores  the merged scores (also at {@code outputs.prefix()/scores.json})
 * @param flops   the FLOP model the budgets were solved with
 * @param outputs the files written, locally and in storage, with per-budget masks and results
 * @param stats   who scored it and how fast (a report's timings)
 */
public record FinishedJob(String jobId, JobRequest request, DenseModel dense, ScoresDocument scores, FlopModel flops,
                          WrittenOutputs outputs, ScoringStats stats) {
}
