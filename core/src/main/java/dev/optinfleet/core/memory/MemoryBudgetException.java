package dev.optinfleet.core.memory;

/**
 * A pass cannot fit the memory budget, even at its smallest (one sequence), or the budget is below the fixed
 * overhead. Not retryable with the same budget: the message names the budget, the size asked for and what it needs.
 */
public final class MemoryBudgetException extends IllegalArgumentException {
    public MemoryBudgetException(String message) {
        super(message);
    }
}
