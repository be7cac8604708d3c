package dev.optinfleet.core.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.memory.MemoryBudgetException;
import dev.optinfleet.core.memory.NativeHeap;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The unpruned model's view of one calibration shard, kept for exact scoring, within a memory budget.
 *
 * <p>The shard's samples are split into micro-batches grouped by length (longest first), each padded to its own
 * longest and holding at most {@link ExactMemory#PASS_TOKENS} tokens (or one sequence) and what the budget lets one
 * unit's pass hold. For the whole shard the teacher keeps only what is small: the Gram matrix of every layer over
 * the shard's K sampled token rows ({@link TokenSample}, chosen on the whole shard, so the split does not change
 * them), and each micro-batch's output. Per micro-batch and layer it keeps the layer's input x_l while the cache
 * (half of what the budget leaves past the fixed part, less when a task needs it) has room, evicting the least
 * recently used; any other state a pass needs (x_l, a_l, act_l, F_l) is recomputed by a forward pass from the
 * nearest kept input below (or the embeddings). Either way the numbers are the same.
 *
 * <p>Rows of a Gram matrix are ordered micro-batch after micro-batch (ascending positions within each), for the
 * teacher and every student alike; the Gram distance does not depend on the order. Owns its arrays; close it
 * after scoring the shard. Not thread-safe: one scorer thread per teacher pass.
 */
public final class TeacherPass implements AutoCloseable {
    private final Encoder encoder;
    private final TokenBatch batch;
    private final ScoringContext context;
    private final NDManager manager;
    private final List<MicroBatch> microBatches = new ArrayList<>();
    private final NDArray[] grams;
    private final int sampledRows;
    private final long fixedBytes;
    private final long cacheLimit;
    private final Map<Long, NDArray> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long cacheHeld;
    private long cacheCap;

    /**
     * One micro-batch: its shard rows, its tokens padded to its longest, its sampled positions (local b·S + s,
     * ascending) and the teacher's output on it (log-probabilities and probabilities [1, b, C] with a classifier,
     * else pooled [1, b, d], float64).
     */
    private record MicroBatch(int[] rows, TokenBatch tokens, NDArray sampled, int sampledCount, NDArray logProbs,
                              NDArray probs, NDArray pooled) {
    }

    /** The teacher of a shard within the machine's own memory ({@link ScoringContext#detected}). */
    public TeacherPass(Encoder encoder, TokenBatch batch, ScoringSettings settings) {
        this(encoder, batch, settings, ScoringContext.detected(encoder));
    }

    /**
     * @throws MemoryBudgetException when one unit's pass over the longest sequence cannot fit the context's pass
     *                               budget besides the teacher's Gram matrices
     */
    public TeacherPass(Encoder encoder, TokenBatch batch, ScoringSettings settings, ScoringContext context) {
        // Before the teacher's tensors: the masked passes' resident memory then follows what the budget planned.
        NativeHeap.use(NativeHeap.Profile.EXACT);
        this.encoder = encoder;
        this.batch = batch;
        this.context = context;
        ModelConfig c = encoder.config();
        int layers = c.numLayers();
        int[] positions = TokenSample.choose(batch, settings.tokenRows(), settings.seed());
        this.sampledRows = positions.length;
        int[] lengths = batch.lengths();
        long tokens = Arrays.stream(lengths).mapToLong(len -> Math.max(1, len)).sum();
        this.fixedBytes = ExactMemory.teacherBytes(c, sampledRows, batch.size(), tokens);
        long left = context.passBytes() - fixedBytes;
        int longest = Math.max(1, Arrays.stream(lengths).max().orElse(1));
        // Layer 0's units keep the most Gram rows: what every task needs at least.
        long minimum = ExactMemory.minimumTaskBytes(c, 0, sampledRows, settings.needsFeatureTerm(), new int[] {1},
                new int[] {longest});
        if (minimum > left) {
            throw tooSmall(context.passBytes(), fixedBytes, minimum, longest);
        }
        this.cacheLimit = ExactMemory.cacheLimit(left, minimum);
        this.cacheCap = cacheLimit;
        List<int[]> groups = ExactMemory.microBatches(c, lengths, sampledRows, left);
        this.manager = encoder.newScope();
        try {
            this.grams = new NDArray[layers];
            List<List<NDArray>> rows = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                rows.add(new ArrayList<>());
            }
            int[] microBatchOf = new int[batch.size()];
            int[] indexIn = new int[batch.size()];
            for (int m = 0; m < groups.size(); m++) {
                for (int k = 0; k < groups.get(m).length; k++) {
                    microBatchOf[groups.get(m)[k]] = m;
                    indexIn[groups.get(m)[k]] = k;
                }
            }
            List<List<Long>> local = new ArrayList<>();
            groups.forEach(g -> local.add(new ArrayList<>()));
            int shardLength = batch.sequenceLength();
            try (NDManager rowScope = manager.newSubManager()) {
                for (int m = 0; m < groups.size(); m++) {
                    int[] members = groups.get(m);
                    int s = Math.max(1, lengths[members[0]]);
                    for (int p : positions) {
                        int row = p / shardLength;
                        if (microBatchOf[row] == m) {
                            local.get(m).add((long) indexIn[row] * s + p % shardLength);
                        }
                    }
                    long[] idx = local.get(m).stream().mapToLong(Long::longValue).sorted().toArray();
                    microBatches.add(build(m, members, batch.select(members, s), idx, rows, rowScope));
                }
                for (int l = 0; l < layers; l++) {
                    NDList parts = new NDList(rows.get(l));
                    NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
                    grams[l] = own(gram(all, 1).squeeze(0), manager);
                }
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The teacher's forward pass over one micro-batch: its sampled feature rows, its output, kept inputs. */
    private MicroBatch build(int m, int[] members, TokenBatch tokens, long[] idx, List<List<NDArray>> rows,
                             NDManager rowScope) {
        int layers = encoder.config().numLayers();
        NDArray sampled = idx.length == 0 ? null : manager.create(idx);
        try (NDManager work = manager.newSubManager()) {
            NDArray bias = encoder.attentionBias(work, tokens);
            NDArray mask = encoder.attentionMask(work, tokens);
            NDArray x = encoder.embed(work, tokens);
            for (int l = 0; l < layers; l++) {
                try (NDManager layer = work.newSubManager()) {
                    keep(m, l, x);
                    own(x, layer);
                    NDArray a = encoder.attention(l, x, bias, null);
                    NDArray f = encoder.feedForward(l, a, null);
                    if (sampled != null) {
                        rows.get(l).add(own(gather(f, 1, tokens, sampled), rowScope));
                    }
                    x = own(encoder.addNorm(l, a, f), work);
                }
            }
            EncoderOutput out = encoder.head(x, mask, new NDArray[layers]);
            NDArray logProbs = null;
            NDArray probs = null;
            if (out.logits() != null) {
                logProbs = own(out.logits().toType(DataType.FLOAT64, false).logSoftmax(-1).expandDims(0), manager);
                probs = own(logProbs.exp(), manager);
            }
            NDArray pooled = own(out.pooled().toType(DataType.FLOAT64, false).expandDims(0), manager);
            return new MicroBatch(members, tokens, sampled, idx.length, logProbs, probs, pooled);
        }
    }

    /** The micro-batch's sampled rows of n stacked feature blocks [n·b, S, d] -> [n, k_m, d]. */
    static NDArray gather(NDArray feature, int n, TokenBatch tokens, NDArray sampled) {
        long d = feature.getShape().get(2);
        return feature.reshape(n, (long) tokens.size() * tokens.sequenceLength(), d).get(new NDIndex(":, {}",
                sampled));
    }

    static MemoryBudgetException tooSmall(long passBytes, long teacher, long need, int longest) {
        return new MemoryBudgetException("exact scoring of sequences of " + longest + " tokens needs "
                + MemoryBudget.gib(teacher + need) + " for passes (teacher Gram matrices and outputs "
                + MemoryBudget.gib(teacher) + ", one unit's pass and Gram rows " + MemoryBudget.gib(need)
                + "), more than the " + MemoryBudget.gib(passBytes) + " the memory budget leaves for passes;"
                + " raise the budget, lower the token rows or cut texts with --max-length");
    }

    public Encoder encoder() {
        return encoder;
    }

    public TokenBatch batch() {
        return batch;
    }

    public int sampledRows() {
        return sampledRows;
    }

    /** The budget this teacher was planned for; tasks without their own context use it. */
    public ScoringContext context() {
        return context;
    }

    /** Bytes kept for the whole shard whatever the split (Gram matrices, outputs). */
    public long fixedBytes() {
        return fixedBytes;
    }

    /** Bytes of kept layer inputs now. */
    public long cachedBytes() {
        return cacheHeld;
    }

    /** Most bytes of kept layer inputs. */
    public long cacheLimit() {
        return cacheLimit;
    }

    /**
     * Keeps at most {@code bytes} (and never more than {@link #cacheLimit}) of inputs from now on, evicting the least
     * recently used: what the running task left to the cache.
     */
    void capCache(long bytes) {
        cacheCap = Math.max(0, Math.min(cacheLimit, bytes));
        trimCache(cacheCap);
    }

    /** Evicts kept inputs, least recently used first, until at most {@code bytes} remain. */
    private void trimCache(long bytes) {
        Iterator<NDArray> it = cache.values().iterator();
        while (cacheHeld > bytes && it.hasNext()) {
            NDArray x = it.next();
            cacheHeld -= x.size() * 4;
            x.close();
            it.remove();
        }
    }

    int microBatches() {
        return microBatches.size();
    }

    /** Shard rows of micro-batch m, in its order. */
    int[] rows(int m) {
        return microBatches.get(m).rows.clone();
    }

    TokenBatch tokens(int m) {
        return microBatches.get(m).tokens;
    }

    /** Sampled positions of micro-batch m (local b·S + s, ascending), or null when it has none. */
    NDArray sampled(int m) {
        return microBatches.get(m).sampled;
    }

    int[] sizes() {
        return microBatches.stream().mapToInt(mb -> mb.tokens.size()).toArray();
    }

    int[] lengths() {
        return microBatches.stream().mapToInt(mb -> mb.tokens.sequenceLength()).toArray();
    }

    /** The teacher's state of micro-batch m at layer l, arrays owned by {@code scope}. */
    record LayerState(NDArray input, NDArray attended, NDArray activations, NDArray feature) {
    }

    /**
     * x_l of micro-batch m, and with {@code ffn} a_l, act_l and F_l: from the kept x_l, else by a forward pass
     * from the nearest kept input below (or the embeddings), keeping x_l when the cache has room.
     */
    LayerState state(int m, int l, boolean ffn, NDManager scope) {
        TokenBatch tokens = tokens(m);
        int start = l;
        while (start >= 0 && !cache.containsKey(key(m, start))) {
            start--;
        }
        NDArray x;
        if (start >= 0) {
            // A copy in the caller's scope: results of operations land in their first operand's manager.
            x = own(cache.get(key(m, start)).duplicate(), scope);
        } else {
            start = 0;
            x = encoder.embed(scope, tokens);
        }
        if (start < l) {
            NDArray bias = encoder.attentionBias(scope, tokens);
            for (int j = start; j < l; j++) {
                try (NDManager layer = scope.newSubManager()) {
                    own(x, layer);
                    NDArray a = encoder.attention(j, x, bias, null);
                    x = own(encoder.addNorm(j, a, encoder.feedForward(j, a, null)), scope);
                }
            }
            keep(m, l, x);
        }
        if (!ffn) {
            return new LayerState(x, null, null, null);
        }
        NDArray a = encoder.attention(l, x, encoder.attentionBias(scope, tokens), null);
        NDArray act = encoder.config().neuronsIn(l) > 0 ? encoder.activation(l, a) : null;
        return new LayerState(x, a, act, encoder.feedForward(l, a, null));
    }

    /** Keeps a copy of x_l of micro-batch m if the cache has room once older entries go. */
    private void keep(int m, int l, NDArray x) {
        long bytes = x.size() * 4;
        if (bytes > cacheCap || cache.containsKey(key(m, l))) {
            return;
        }
        trimCache(cacheCap - bytes);
        cache.put(key(m, l), own(x.duplicate(), manager));
        cacheHeld += bytes;
    }

    private long key(int m, int l) {
        return (long) m * encoder.config().numLayers() + l;
    }

    /**
     * Gram matrices of per-token L2-normalised rows [n, K, d] -> [n, K, K], in float64 so that small drifts are
     * not lost to rounding.
     */
    static NDArray gram(NDArray rows, int n) {
        NDArray r = rows.toType(DataType.FLOAT64, false);
        NDArray unit = r.div(r.square().sum(new int[] {-1}, true).sqrt());
        return unit.matMul(unit.transpose(0, 2, 1));
    }

    /** Σ (G_teacher,l − G_student)² for each of the n stacked students' rows [n, K, d]: [n], float64. */
    NDArray gramDistance(int layer, NDArray studentRows, int n) {
        return gram(studentRows, n).sub(grams[layer]).square().sum(new int[] {1, 2});
    }

    /**
     * Output divergence of each of the n stacked students [n·b, ·] of micro-batch m from the teacher: Σ over its
     * samples of KL(softmax(z_t) ‖ softmax(z_s)) with a classifier, else of ‖pooled_t − pooled_s‖². [n], float64.
     */
    NDArray outputDivergence(int m, EncoderOutput student, int n) {
        MicroBatch mb = microBatches.get(m);
        long b = mb.tokens.size();
        if (mb.logProbs != null) {
            NDArray ls = student.logits().toType(DataType.FLOAT64, false);
            ls = ls.reshape(n, b, ls.getShape().get(1)).logSoftmax(-1);
            // Student arrays stay on the left so results land in the student's scope, not the teacher's.
            return ls.neg().add(mb.logProbs).mul(mb.probs).sum(new int[] {1, 2});
        }
        NDArray zs = student.pooled().toType(DataType.FLOAT64, false);
        zs = zs.reshape(n, b, zs.getShape().get(1));
        return zs.sub(mb.pooled).square().sum(new int[] {1, 2});
    }

    private static NDArray own(NDArray a, NDManager scope) {
        a.attach(scope);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}
