package dev.optinfleet.core.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exact leave-one-out terms (the {@code trajectory} and {@code output} scorers): for every unit u of a range in
 * layer l, the model is run with only u removed and compared with the teacher.
 *
 * <p>Exact shortcuts, each giving the same numbers as a full forward pass with the unit masked:
 * <ul>
 *   <li>the pass starts from the teacher's input of layer l (for a neuron, from its activations: removing neuron i
 *       changes F_l by exactly −act_i ⊗ W_2[i]);</li>
 *   <li>up to {@code unitBatch} removed units run as one pass of n·b rows over one micro-batch of b samples, each
 *       block of b rows with its own mask;</li>
 *   <li>the K token rows of the Gram matrices are chosen once per shard ({@link TokenSample}).</li>
 * </ul>
 * Terms: feature = Σ_{j>l} D_j (plus D_l when l is the last layer), output = the teacher-student output divergence
 * ({@link TeacherPass#outputDivergence}), a sum over samples and so over micro-batches. The Gram matrices span the
 * whole shard: a block of U units passes every micro-batch, keeping each pass's student feature rows at the sampled
 * positions, and its [U, K, K] Gram matrices are formed once all micro-batches are done. Pass, block and Gram
 * chunk sizes come from {@link ExactMemory} within the context's pass budget; progress is told after every pass in
 * unit-sample evaluations (a unit evaluated on one sample), of count · B in all. The feature term is skipped when
 * the settings do not need it.
 */
public final class ExactScorer {
    private ExactScorer() {
    }

    /** Terms of units [from, from + count) within the budget the teacher was planned for. */
    public static UnitTerms score(TeacherPass teacher, int layer, UnitKind kind, int from, int count,
                                  ScoringSettings settings) {
        return score(teacher, layer, kind, from, count, settings, teacher.context());
    }

    /**
     * Terms of units [from, from + count) of one kind in one layer, on the teacher pass's shard.
     *
     * @throws dev.optinfleet.core.memory.MemoryBudgetException when one unit's pass over the teacher's largest
     *                                                          micro-batch cannot fit the context's budget
     */
    public static UnitTerms score(TeacherPass teacher, int layer, UnitKind kind, int from, int count,
                                  ScoringSettings settings, ScoringContext context) {
        Encoder enc = teacher.encoder();
        ModelConfig c = enc.config();
        int layers = c.numLayers();
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer must be in [0, " + layers + "), was " + layer);
        }
        int units = kind == UnitKind.HEAD ? c.headsIn(layer) : c.neuronsIn(layer);
        if (from < 0 || count <= 0 || from + count > units) {
            throw new IllegalArgumentException("unit range [" + from + ", " + (from + count) + ") is outside the "
                    + units + " " + kind.name().toLowerCase() + "s of layer " + layer);
        }
        if (c.isPruned()) {
            throw new IllegalArgumentException("scoring needs the dense model, got " + c);
        }
        boolean wantFeature = settings.needsFeatureTerm();
        ExactMemory.TaskPlan plan = plan(teacher, layer, count, settings, context);
        int[] sizes = teacher.sizes();
        int[] gramLayers = gramLayers(c, layer);
        double[] feature = new double[count];
        double[] output = new double[count];
        long total = (long) count * teacher.batch().size();
        long done = 0;
        for (int u0 = from; u0 < from + count; u0 += plan.blockUnits()) {
            int block = Math.min(plan.blockUnits(), from + count - u0);
            try (NDManager blockScope = enc.newScope()) {
                // rows[g][m]: the block's sampled student rows at gram layer g on micro-batch m, one per pass.
                List<List<List<NDArray>>> rows = new ArrayList<>();
                for (int g = 0; g < gramLayers.length; g++) {
                    rows.add(new ArrayList<>());
                }
                for (int m = 0; m < teacher.microBatches(); m++) {
                    for (List<List<NDArray>> r : rows) {
                        r.add(new ArrayList<>());
                    }
                    try (NDManager mbScope = enc.newScope()) {
                        TeacherPass.LayerState state = teacher.state(m, layer, kind == UnitKind.NEURON, mbScope);
                        int perPass = plan.unitsPerPass()[m];
                        for (int u = u0; u < u0 + block; u += perPass) {
                            int n = Math.min(perPass, u0 + block - u);
                            try (NDManager pass = mbScope.newSubManager()) {
                                double[] out = pass(teacher, m, state, layer, kind, u, n, wantFeature, pass,
                                        blockScope, rows);
                                for (int i = 0; i < n; i++) {
                                    output[u - from + i] += out[i];
                                }
                            }
                            done += (long) n * sizes[m];
                            context.progress().advanced(done, total);
                        }
                    }
                }
                if (wantFeature) {
                    addGramDistances(teacher, gramLayers, rows, blockScope, block, plan.gramUnits(), feature, u0 - from);
                }
            }
        }
        return new UnitTerms(layer, kind, from, feature, output);
    }

    /** The task's plan within what the context leaves past the teacher, evicting kept inputs if it must. */
    static ExactMemory.TaskPlan plan(TeacherPass teacher, int layer, int count, ScoringSettings settings,
                                     ScoringContext context) {
        ModelConfig c = teacher.encoder().config();
        int[] sizes = teacher.sizes();
        int[] lengths = teacher.lengths();
        boolean features = settings.needsFeatureTerm();
        long left = context.passBytes() - teacher.fixedBytes();
        long minimum = ExactMemory.minimumTaskBytes(c, layer, teacher.sampledRows(), features, sizes, lengths);
        if (minimum > left) {
            throw TeacherPass.tooSmall(context.passBytes(), teacher.fixedBytes(), minimum,
                    Arrays.stream(lengths).max().orElse(1));
        }
        // Planned against the cache's limit, not its present size: passes may keep inputs as they go.
        long available = ExactMemory.available(left, teacher.cacheLimit(), minimum);
        teacher.capCache(left - available);
        return ExactMemory.plan(c, layer, count, settings.unitBatch(), teacher.sampledRows(), features, sizes,
                lengths, available);
    }

    private static int[] gramLayers(ModelConfig c, int layer) {
        int layers = c.numLayers();
        if (layer == layers - 1) {
            return new int[] {layer};
        }
        int[] g = new int[layers - 1 - layer];
        for (int j = 0; j < g.length; j++) {
            g[j] = layer + 1 + j;
        }
        return g;
    }

    /*
     * A pass of n·b rows makes large temporaries at every layer (attention scores alone are n·b·h·S² floats). A
     * scope keeps all of its arrays until it closes, so each layer runs in its own sub-scope and only what the next
     * layer needs (its input) and the sampled feature rows move out.
     */
    private static double[] pass(TeacherPass t, int m, TeacherPass.LayerState state, int l, UnitKind kind, int u,
                                 int n, boolean wantFeature, NDManager pass, NDManager blockScope,
                                 List<List<List<NDArray>>> rows) {
        Encoder enc = t.encoder();
        int layers = enc.config().numLayers();
        var tokens = t.tokens(m);
        int b = tokens.size();
        NDArray sampled = t.sampled(m);
        NDArray bias = tiled(enc.attentionBias(pass, tokens), n, pass);
        NDArray mask = tiled(enc.attentionMask(pass, tokens), n, pass);
        NDArray x;
        try (NDManager layer = pass.newSubManager()) {
            NDArray a;
            NDArray f;
            if (kind == UnitKind.HEAD) {
                int h = enc.config().headsIn(l);
                float[] gates = new float[n * b * h];
                Arrays.fill(gates, 1f);
                for (int i = 0; i < n; i++) {
                    for (int r = 0; r < b; r++) {
                        gates[(i * b + r) * h + u + i] = 0f;
                    }
                }
                NDArray gate = layer.create(gates, new Shape((long) n * b, h));
                a = enc.attention(l, tiled(state.input(), n, layer), bias, gate);
                f = enc.feedForward(l, a, null);
            } else {
                NDArray act = own(state.activations().get(new NDIndex(":, :, {}:{}", u, u + n)), layer); // [b, S, n]
                NDArray w2 = own(enc.ffnOutputWeight(l).get(new NDIndex("{}:{}", u, u + n)), layer); // [n, d]
                long s = act.getShape().get(1);
                long d = w2.getShape().get(1);
                NDArray delta = act.transpose(2, 0, 1).expandDims(3).mul(w2.reshape(n, 1, 1, d)); // [n, b, S, d]
                f = delta.neg().add(state.feature()).reshape((long) n * b, s, d);
                a = tiled(state.attended(), n, layer);
            }
            if (wantFeature && l == layers - 1 && sampled != null) {
                rows.get(0).get(m).add(own(TeacherPass.gather(f, n, tokens, sampled), blockScope));
            }
            x = own(enc.addNorm(l, a, f), pass);
        }
        for (int j = l + 1; j < layers; j++) {
            try (NDManager layer = pass.newSubManager()) {
                own(x, layer); // this layer's input is not needed after it
                NDArray aj = enc.attention(j, x, bias, null);
                NDArray fj = enc.feedForward(j, aj, null);
                if (wantFeature && sampled != null) {
                    rows.get(j - l - 1).get(m).add(own(TeacherPass.gather(fj, n, tokens, sampled), blockScope));
                }
                x = own(enc.addNorm(j, aj, fj), pass);
            }
        }
        EncoderOutput out = enc.head(x, mask, new NDArray[layers]);
        return t.outputDivergence(m, out, n).toDoubleArray();
    }

    /**
     * The block's Gram distances: per gram layer, its rows [block, K, d] (passes stacked along units within a
     * micro-batch, micro-batches along rows, as the teacher's), then Gram chunks of {@code chunk} units.
     */
    private static void addGramDistances(TeacherPass t, int[] gramLayers, List<List<List<NDArray>>> rows,
                                         NDManager blockScope, int block, int chunk, double[] feature, int offset) {
        for (int g = 0; g < gramLayers.length; g++) {
            // This layer's rows and their concatenation go with this scope: the block holds one layer twice at most.
            try (NDManager layerScope = blockScope.newSubManager()) {
                NDList perBatch = new NDList();
                for (List<NDArray> passes : rows.get(g)) {
                    if (!passes.isEmpty()) {
                        passes.forEach(p -> p.attach(layerScope));
                        perBatch.add(passes.size() == 1 ? passes.get(0) : NDArrays.concat(new NDList(passes), 0));
                    }
                }
                NDArray all = perBatch.size() == 1 ? perBatch.get(0) : NDArrays.concat(perBatch, 1);
                for (int i = 0; i < block; i += chunk) {
                    int n = Math.min(chunk, block - i);
                    try (NDManager gramScope = layerScope.newSubManager()) {
                        NDArray part = own(all.get(new NDIndex("{}:{}", i, i + n)), gramScope);
                        double[] dist = t.gramDistance(gramLayers[g], part, n).toDoubleArray();
                        for (int k = 0; k < n; k++) {
                            feature[offset + i + k] += dist[k];
                        }
                    }
                }
            }
        }
    }

    private static NDArray tiled(NDArray a, int n, NDManager chunk) {
        long[] reps = new long[a.getShape().dimension()];
        Arrays.fill(reps, 1);
        reps[0] = n;
        return own(a.tile(reps), chunk);
    }

    /** Arrays derived from the teacher's or the weights' arrays land in their manager; move them to the scope. */
    private static NDArray own(NDArray a, NDManager chunk) {
        a.attach(chunk);
        return a;
    }
}
