package dev.optinfleet.core.scoring;

import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.memory.MemoryBudgetException;
import dev.optinfleet.core.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What the exact scorers ({@link ExactScorer}, {@link TeacherPass}) hold at once, and how they split a pass budget.
 *
 * <p>For a shard of B samples, K sampled token rows, and a micro-batch of b sequences padded to S tokens (d hidden,
 * F FFN width, h heads, L layers), float32 unless noted:
 * <pre>
 *   teacher (fixed)  = 8·L·K² + 8·B·(2·C + d) + 8·B·S̄      Gram matrices (float64), outputs, biases and masks
 *   layer state      = b·S·(3·d + F)                         the teacher's x_l, a_l, act_l, F_l of the micro-batch
 *   pass(n, b, S)    = 4 · (layer state + n·b·(S·(t_d·d + t_f·F) + t_a·h·S²))
 *                                                            one layer's temporaries for n removed units, tiled
 *   gathered / unit  = 4·(G + 1)·K·d                         the student's sampled feature rows of the G layers
 *                                                            whose Gram drift counts (G = L−1−l, 1 for the last),
 *                                                            one layer more while they are concatenated
 *   Gram / unit      = 8·(2·K·d + 3·K²)                      float64 rows, unit rows, G_s, G_s − G_t, its square
 *   cache entry      = 4·b·S·d                               a kept teacher input x_l of one micro-batch
 * </pre>
 * A task holds: teacher + cache + U · gathered + max(pass(n, b, S) over its micro-batches, c · Gram), for U units
 * in a block (all micro-batches of the shard pass before a block's Gram matrices are formed) and c units per Gram
 * chunk. The coefficients t_d = 20 (tiled input, q, k, v, their copies, context, gated context, projections,
 * residual sums, LayerNorm, the neuron pass's delta), t_f = 4 (pre-activation, bias, GELU, product) and t_a = 3
 * (scores, biased scores, probabilities) count the arrays one layer creates, rounded up.
 */
public final class ExactMemory {
    /**
     * Token rows (units x samples x positions) one batched pass may hold. Batching units pays only while a pass's
     * activations stay cache- and allocator-friendly: measured on MiniLM (2 cores), 4 units of an 8 x 88 shard ran
     * 15% faster per unit than 16, and on a 32 x 147 shard one unit per pass was 1.6x faster than 8. Micro-batches
     * hold at most this many tokens (or one sequence).
     */
    static final int PASS_TOKENS = 4096;

    private static final long TRANSIENT_D = 20;
    private static final long TRANSIENT_F = 4;
    private static final long TRANSIENT_A = 3;

    private ExactMemory() {
    }

    /** Bytes the teacher keeps for the whole shard whatever the split: Gram matrices, outputs, masks. */
    public static long teacherBytes(ModelConfig c, int tokenRows, int samples, long tokens) {
        long k = tokenRows;
        long width = Math.max(c.numLabels(), 0);
        return 8 * c.numLayers() * k * k + 8L * samples * (2 * width + c.hiddenSize()) + 8 * tokens;
    }

    /** One pass of {@code n} removed units over a micro-batch of {@code b} x {@code s} tokens. */
    public static long passBytes(ModelConfig c, int n, int b, int s) {
        long d = c.hiddenSize();
        long f = c.intermediateSize();
        long h = c.numHeads();
        long rows = (long) n * b;
        long state = (long) b * s * (3 * d + f);
        long layer = rows * ((long) s * (TRANSIENT_D * d + TRANSIENT_F * f) + TRANSIENT_A * h * s * s);
        return 4 * (state + layer);
    }

    /** Gram-drift layers of a unit of layer l: every later one, or the last layer itself. */
    static int gramLayers(ModelConfig c, int layer) {
        return layer == c.numLayers() - 1 ? 1 : c.numLayers() - 1 - layer;
    }

    /** The student rows one unit of {@code layer} keeps until its block's Gram matrices are formed. */
    public static long gatheredBytesPerUnit(ModelConfig c, int layer, int tokenRows) {
        return 4L * (gramLayers(c, layer) + 1) * tokenRows * c.hiddenSize();
    }

    /** One unit's Gram matrix and distance at one layer. */
    public static long gramBytesPerUnit(ModelConfig c, int tokenRows) {
        long k = tokenRows;
        return 8 * (2 * k * c.hiddenSize() + 3 * k * k);
    }

    /** A kept teacher input of one micro-batch at one layer. */
    public static long cacheEntryBytes(ModelConfig c, int b, int s) {
        return 4L * b * s * c.hiddenSize();
    }

    /**
     * How one task of layer l splits the bytes left to it ({@code available}: the pass budget less the teacher and
     * its cache): removed units per pass for each micro-batch, units per block and per Gram chunk.
     *
     * @param unitsPerPass n for each micro-batch
     * @param blockUnits   U, units whose sampled rows are held while every micro-batch passes
     * @param gramUnits    c, units per Gram chunk
     * @param peakBytes    U · gathered + max(pass, c · Gram): at most {@code available}
     */
    public record TaskPlan(int[] unitsPerPass, int blockUnits, int gramUnits, long peakBytes) {
    }

    /** The least a task needs: one unit of its largest micro-batch and one unit's Gram rows. */
    public static long minimumTaskBytes(ModelConfig c, int layer, int tokenRows, boolean features,
                                        int[] batchSizes, int[] lengths) {
        long pass = 0;
        for (int m = 0; m < batchSizes.length; m++) {
            pass = Math.max(pass, passBytes(c, 1, batchSizes[m], lengths[m]));
        }
        return features ? gatheredBytesPerUnit(c, layer, tokenRows) + Math.max(pass, gramBytesPerUnit(c, tokenRows))
                : pass;
    }

    /**
     * Plans a task of {@code count} units within {@code available} bytes: passes take at most half of it (always
     * one unit), the Gram chunks reuse the passes' share, blocks take the rest.
     *
     * @param batchSizes b of each micro-batch
     * @param lengths    S of each micro-batch
     * @throws MemoryBudgetException when not even one unit of the largest micro-batch fits
     */
    public static TaskPlan plan(ModelConfig c, int layer, int count, int unitBatch, int tokenRows, boolean features,
                                int[] batchSizes, int[] lengths, long available) {
        long minimum = minimumTaskBytes(c, layer, tokenRows, features, batchSizes, lengths);
        if (minimum > available) {
            int longest = 0;
            for (int s : lengths) {
                longest = Math.max(longest, s);
            }
            throw new MemoryBudgetException("an exact pass of one unit over sequences of " + longest + " tokens"
                    + " needs " + MemoryBudget.gib(minimum) + " besides the teacher, more than the "
                    + MemoryBudget.gib(available) + " the memory budget leaves for passes; raise the budget or cut"
                    + " texts with --max-length");
        }
        long passShare = Math.max(available / 2, minimum - (features ? gatheredBytesPerUnit(c, layer, tokenRows)
                : 0));
        int[] perPass = new int[batchSizes.length];
        long pass = 0;
        for (int m = 0; m < batchSizes.length; m++) {
            int b = batchSizes[m];
            int s = lengths[m];
            int n = Math.max(1, Math.min(Math.min(unitBatch, count), PASS_TOKENS / (b * s)));
            while (n > 1 && passBytes(c, n, b, s) > passShare) {
                n--;
            }
            perPass[m] = n;
            pass = Math.max(pass, passBytes(c, n, b, s));
        }
        if (!features) {
            return new TaskPlan(perPass, count, 1, pass);
        }
        long gram = gramBytesPerUnit(c, tokenRows);
        int gramUnits = (int) Math.max(1, Math.min(count, pass / gram));
        long phase = Math.max(pass, gramUnits * gram);
        long gathered = gatheredBytesPerUnit(c, layer, tokenRows);
        int block = (int) Math.max(1, Math.min(count, (available - phase) / gathered));
        return new TaskPlan(perPass, block, gramUnits, block * gathered + phase);
    }

    /**
     * The teacher's micro-batches of a shard with these sample lengths: longest first, each padded to its first, at
     * most {@link #PASS_TOKENS} tokens (or one sequence) and one unit's pass within a quarter of what is left
     * ({@code left}: the pass budget less the teacher's fixed part) once the largest Gram rows are counted.
     *
     * @return shard rows of each micro-batch
     */
    public static List<int[]> microBatches(ModelConfig c, int[] lengths, int tokenRows, long left) {
        int[] order = IntStream.range(0, lengths.length).boxed()
                .sorted((a, b) -> lengths[b] != lengths[a] ? Integer.compare(lengths[b], lengths[a])
                        : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
        int longest = Math.max(1, Arrays.stream(lengths).max().orElse(1));
        long share = Math.max(passBytes(c, 1, 1, longest), (left - gatheredBytesPerUnit(c, 0, tokenRows)) / 4);
        List<int[]> groups = new ArrayList<>();
        int done = 0;
        while (done < order.length) {
            int s = Math.max(1, lengths[order[done]]);
            int b = Math.max(1, Math.min(order.length - done, PASS_TOKENS / s));
            while (b > 1 && passBytes(c, 1, b, s) > share) {
                b--;
            }
            groups.add(Arrays.copyOfRange(order, done, done + b));
            done += b;
        }
        return groups;
    }

    /**
     * Bytes of teacher inputs kept across tasks: half of {@code left}, never what the least task ({@code minimum}
     * bytes) needs.
     */
    public static long cacheLimit(long left, long minimum) {
        return Math.max(0, Math.min(left / 2, left - minimum));
    }

    /**
     * Bytes a task may plan with when the teacher may keep up to {@code cached} bytes of inputs: the teacher gives up kept
     * inputs ({@link TeacherPass#capCache}) until the task's minimum fits.
     */
    public static long available(long left, long cached, long minimum) {
        return left - Math.min(cached, Math.max(0, left - minimum));
    }
}
