package dev.optinfleet.core.scoring;

import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.memory.MemoryBudgetException;
import dev.optinfleet.core.model.ModelConfig;

/**
 * How many samples of a given padded length one {@link GradientPass} may hold within a byte budget.
 *
 * <p>Per sample of S tokens (d hidden, F FFN width, h heads, L layers), float32:
 * <pre>
 *   saved per layer  = S·(c_d·d + c_f·F) + S²·(c_a·h + c_g)      what autograd keeps for backward
 *   layer peak       = S·(t_d·d + t_f·F) + S²·t_a·h              one layer's temporaries (forward or backward)
 *   feature probes   = 2·L·S²                                      s_pl and s_pl ⊙ G_l during one backward
 *   bytes(S)         = 4 · (L · saved + 2 · layer peak + feature probes)
 * </pre>
 * with c_g = 1 only for the Gram term ({@code fisher_trajectory}). The coefficients count the tensors the encoder
 * creates per layer (q, k, v, scores, probabilities, context, the FFN's pre-activation, activation and gated
 * activation...), rounded up; {@code scripts/bench.sh memory} checks the resulting peaks against the budget.
 */
public final class GradientMemory {
    private static final long SAVED_D = 12;
    private static final long SAVED_F = 3;
    private static final long SAVED_A = 2;
    private static final long TRANSIENT_D = 16;
    private static final long TRANSIENT_F = 4;
    private static final long TRANSIENT_A = 3;

    private GradientMemory() {
    }

    /** Bytes one sample of {@code length} tokens costs in a pass. */
    public static long bytesPerSample(ModelConfig c, int length, boolean features) {
        long s = length;
        long d = c.hiddenSize();
        long f = c.intermediateSize();
        long h = c.numHeads();
        long layers = c.numLayers();
        long saved = s * (SAVED_D * d + SAVED_F * f) + s * s * (SAVED_A * h + (features ? 1 : 0));
        long peak = s * (TRANSIENT_D * d + TRANSIENT_F * f) + s * s * TRANSIENT_A * h;
        long probes = features ? 2 * layers * s * s : 0;
        return 4 * (layers * saved + 2 * peak + probes);
    }

    /**
     * Samples of {@code length} tokens per pass: as many as fit, at most {@code cap}.
     *
     * @throws MemoryBudgetException when not even one fits, naming the budget, the length and the need
     */
    public static int samplesPerPass(ModelConfig c, int length, boolean features, long passBytes, int cap) {
        long one = bytesPerSample(c, length, features);
        if (one > passBytes) {
            throw new MemoryBudgetException("a gradient pass over one sequence of " + length + " tokens needs "
                    + MemoryBudget.gib(one) + ", more than the " + MemoryBudget.gib(passBytes) + " the memory"
                    + " budget leaves for passes; raise the budget or cut texts with --max-length");
        }
        return (int) Math.max(1, Math.min(cap, passBytes / one));
    }
}
