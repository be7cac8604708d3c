package dev.optinfleet.core.pipeline;

import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.flops.FlopReport;
import dev.optinfleet.schemas.mask.MaskDocument;

import java.nio.file.Path;

/**
 * What was written for one budget: {@code dir/mask.json}, the sliced checkpoint and (unless mask-only) its
 * {@code model.onnx} in {@code dir}.
 *
 * @param budget the kept fraction of prunable FLOPs asked for
 * @param dir    the budget's directory
 * @param solved the chosen mask
 * @param report FLOPs and parameters before and after
 * @param mask   the mask.json document
 */
public record BudgetOutput(double budget, Path dir, SolvedMask solved, FlopReport report, MaskDocument mask) {
}
