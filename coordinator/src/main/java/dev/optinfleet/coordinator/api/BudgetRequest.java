package dev.optinfleet.coordinator.api;

import dev.optinfleet.schemas.Checks;

/**
 * Body of {@code POST /jobs/{id}/budgets}: {@code {"budget": 0.45}}.
 *
 * @param budget the kept fraction of prunable FLOPs, in (0, 1]
 */
public record BudgetRequest(Double budget) {
    public BudgetRequest {
        if (budget == null) {
            throw new IllegalArgumentException("budget is required, e.g. {\"budget\": 0.45}");
        }
        Checks.budget("budget", budget);
    }
}
