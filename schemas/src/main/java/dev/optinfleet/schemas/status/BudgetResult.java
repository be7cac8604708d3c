package dev.optinfleet.schemas.status;

import dev.optinfleet.schemas.Checks;

/**
 * What a job produced for one budget.
 *
 * @param budget              the kept fraction of prunable FLOPs asked for
 * @param keptFraction        the fraction the chosen mask keeps
 * @param maskUri             mask.json
 * @param checkpointUri       config.json of the physically smaller checkpoint
 * @param keptHeads           heads kept of L·H
 * @param keptNeurons         neurons kept of L·F
 * @param prunableFlopsBefore MACs of heads and neurons per sequence, dense
 * @param prunableFlopsAfter  the same, pruned
 * @param accuracy            accuracy on the job's evaluation set, when one was given
 */
public record BudgetResult(double budget, double keptFraction, String maskUri, String checkpointUri, int keptHeads,
                           int keptNeurons, double prunableFlopsBefore, double prunableFlopsAfter, Double accuracy) {
    public BudgetResult {
        Checks.budget("budget", budget);
        Checks.required("mask_uri", maskUri);
    }
}
