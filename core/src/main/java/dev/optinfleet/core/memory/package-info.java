/**
 * Memory as a planned quantity: the budget a scoring process has ({@link dev.optinfleet.core.memory.MemoryBudget})
 * and the pass-size planning the scorers do from it.
 */
package dev.optinfleet.core.memory;
