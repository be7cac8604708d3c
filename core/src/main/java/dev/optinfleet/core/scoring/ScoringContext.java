package dev.optinfleet.core.scoring;

import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.Encoder;

/**
 * What a scoring task may use and whom it tells: the bytes its passes may hold at once (the budget less the heap,
 * the runtime and the weights, {@link MemoryBudget#passBytes}) and where progress goes. Neither changes a result:
 * passes are split to fit, never approximated.
 *
 * @param passBytes bytes one pass may allocate on the engine
 * @param progress  told after every pass
 */
public record ScoringContext(long passBytes, PassProgress progress) {
    public ScoringContext {
        if (passBytes <= 0) {
            throw new IllegalArgumentException("passBytes must be > 0, was " + passBytes);
        }
        progress = progress == null ? PassProgress.NONE : progress;
    }

    /** The passes' share of {@code budget} for this encoder's weights. */
    public static ScoringContext of(MemoryBudget budget, Encoder encoder, PassProgress progress) {
        return new ScoringContext(budget.passBytes(encoder.weightBytes()), progress);
    }

    /** The machine's own limit ({@link MemoryBudget#detect()}), no progress. */
    public static ScoringContext detected(Encoder encoder) {
        return of(MemoryBudget.detect(), encoder, PassProgress.NONE);
    }

    public ScoringContext withProgress(PassProgress p) {
        return new ScoringContext(passBytes, p);
    }
}
