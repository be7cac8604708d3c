package dev.optinfleet.coordinator.outputs;

/**
 * Work after {@code POST /jobs/{id}/budgets} added a budget to a done job (its mask, and its pruned checkpoint unless
 * disabled, written and added to the job's results): the report is drawn again with the new budget, the new
 * checkpoint is registered. Implement it as a CDI bean; {@link NewBudgets} calls every one, in no particular order,
 * before it answers.
 *
 * <p>A hook must not throw for its own failures: the budget is added and answered either way, so a hook logs what it
 * could not do. Hooks run on the request's worker thread and may block; they must be idempotent.
 */
public interface BudgetAddedHook {

    void afterBudgetAdded(AddedBudget added);
}
