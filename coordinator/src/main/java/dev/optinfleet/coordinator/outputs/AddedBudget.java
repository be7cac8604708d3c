package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.coordinator.jobs.ScoringStats;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.status.BudgetResult;

import java.util.List;

/**
 * What a {@link BudgetAddedHook} gets: a budget just added to a done job. Valid only during the hook call.
 *
 * @param jobId   the job
 * @param request its completed request
 * @param dense   the dense model (its headers, or its weights for an ONNX model), named after the job
 * @param scores  the job's stored scores
 * @param output  what was written for the new budget (its mask document, its directory until the call returns)
 * @param result  the new budget's status entry
 * @param results every budget of the job now, the new one included
 * @param stats   who scored the job (no workers when it was recovered after a restart)
 */
public record AddedBudget(String jobId, JobRequest request, DenseModel dense, ScoresDocument scores,
                          BudgetOutput output, BudgetResult result, List<BudgetResult> results, ScoringStats stats) {
    public AddedBudget {
        results = List.copyOf(results);
    }
}
