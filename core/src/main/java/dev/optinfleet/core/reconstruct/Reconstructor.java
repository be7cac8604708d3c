package dev.optinfleet.core.reconstruct;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Least-squares reconstruction of a masked dense model, bottom-up (K-prune's weight tuning with a ridge term).
 *
 * <p>Per layer l, with dense (teacher) input x_T and pruned, already repaired (student) input x_S [n, d] on the
 * calibration tokens:
 * <pre>
 *   attention: H = concat_{kept h} ctx_h(x_S) [n, k = h_l·d_h],  Y = ctx(x_T) W_o + b_o + x_T - x_S
 *              refit W_o[K], b_o;   a_S = LN1(x_S + H W_o[K]* + b_o*),   a_T = LN1(x_T + ctx(x_T) W_o + b_o)
 *   FFN:       H = GELU(a_S W_1 + b_1)[:, kept] [n, k = f_l],         Y = F(a_T) + a_T - a_S
 *              refit W_2[K], b_2;   x_S' = LN2(a_S + H W_2[K]* + b_2*),  x_T' = LN2(a_T + F(a_T))
 * </pre>
 * so each sublayer's pre-LayerNorm sum matches the dense model's, which also corrects the drift earlier pruning
 * left in the residual stream. Q, K, V and W_1 are not changed. The fit is {@link ProjectionStatistics}'s ridge
 * solution (or its bias-only form for {@link Repair#BIAS}); padding tokens are excluded. A sublayer with nothing
 * removed at or below it is left as it is (the dense weights are then the exact solution), and one that keeps no
 * unit is skipped, as the masked model does.
 *
 * <p>{@link Repair#RESELECT}: for a sublayer that removes units, the statistics span all of its columns (every
 * head's context, every neuron) on the same student input; {@link UnitReselection} chooses as many units as the
 * mask keeps there, and the kept columns' sub-block of those statistics is solved as for {@link Repair#FULL}. The
 * layers above then see the student stream of the re-selected, refit layer. The result's
 * {@link Reconstruction#mask()} is the mask so chosen (same per-layer counts, so the same FLOPs).
 *
 * <p>Memory: the two residual streams x_T and x_S of every calibration token are held on the Java heap (2·R·S·d
 * floats over all shards, padding included: 128 sequences of 64 tokens at d = 384 are 25 MB); activations are
 * computed in micro-batches of at most {@code tokensPerPass} rows, and the statistics are (k + 1)² + (k + 1)·d
 * doubles for one sublayer at a time. Each sublayer takes two passes over the calibration tokens (statistics, then
 * applying the refit weights). Single-threaded; the encoder may be shared with other threads.
 */
public final class Reconstructor {

    private Reconstructor() {
    }

    /** Loads the dense model, reconstructs, closes it. */
    public static Reconstruction reconstruct(Checkpoint dense, UnitMask mask, List<TokenBatch> calibration,
                                             ReconstructionSettings settings) {
        try (Encoder encoder = Encoder.load(dense)) {
            return reconstruct(encoder, dense, mask, calibration, settings);
        }
    }

    /**
     * @param encoder     the dense model's encoder (its weights are read, never changed)
     * @param dense       the same dense checkpoint
     * @param mask        the kept units
     * @param calibration tokenised calibration shards (labels never used)
     * @throws ReconstructionException when a sublayer's statistics are NaN or infinite, naming layer and shard
     */
    public static Reconstruction reconstruct(Encoder encoder, Checkpoint dense, UnitMask mask,
                                             List<TokenBatch> calibration, ReconstructionSettings settings) {
        Objects.requireNonNull(settings, "settings");
        ModelConfig c = dense.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("reconstruction starts from the dense model; " + dense.name()
                    + " is already pruned");
        }
        if (!encoder.config().equals(c)) {
            throw new IllegalArgumentException("encoder " + encoder.config() + " is not the model " + c);
        }
        if (mask.layers() != c.numLayers() || mask.headsPerLayer() != c.numHeads()
                || mask.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException("mask " + mask + " does not fit " + c);
        }
        if (settings.repair() == Repair.NONE) {
            throw new IllegalArgumentException("repair 'none' refits nothing; slice the mask instead");
        }
        if (calibration.isEmpty()) {
            throw new IllegalArgumentException("reconstruction needs calibration texts; none were given");
        }
        long start = System.nanoTime();
        List<Part> parts = split(encoder, calibration, settings.tokensPerPass());
        long tokens = 0;
        int samples = 0;
        for (TokenBatch b : calibration) {
            samples += b.size();
            for (int len : b.lengths()) {
                tokens += len;
            }
        }
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(dense.tensors());
        List<SublayerRefit> refits = new ArrayList<>();
        boolean reselect = settings.repair() == Repair.RESELECT;
        boolean[][] appliedHeads = mask.heads();
        boolean[][] appliedNeurons = mask.neurons();
        boolean drift = false;
        int d = c.hiddenSize();
        int[] allHeads = range(c.numHeads());
        int[] allNeurons = range(c.intermediateSize());
        for (int l = 0; l < c.numLayers(); l++) {
            FloatTensor wo = tensors.get(TensorNames.attentionOutput(l, "weight"));
            FloatTensor bo = tensors.get(TensorNames.attentionOutput(l, "bias"));
            int[] keptHeads = mask.keptHeads(l);
            int[] headCols = headColumns(keptHeads, c.headDim());
            Projection attention = new Projection(l, SublayerRefit.ATTENTION, headCols, wo, bo);
            boolean attentionRemoves = keptHeads.length < c.numHeads();
            SublayerRefit attentionRefit = attention.plan(drift || attentionRemoves, headCols.length);
            if (attentionRefit == null && reselect && attentionRemoves) {
                // statistics over every head's context columns, the kept heads chosen from them, their sub-block fit
                Projection every = new Projection(l, SublayerRefit.ATTENTION, headColumns(allHeads, c.headDim()),
                        wo, bo);
                ProjectionStatistics stats = every.newStatistics(settings.repair(), d);
                for (Part p : parts) {
                    p.addAttentionStatistics(encoder, every, stats, settings.repair());
                }
                int[] chosen = choose(every, stats, settings, UnitReselection.headGroups(c.numHeads(),
                        c.headDim()), keptHeads.length);
                headCols = headColumns(chosen, c.headDim());
                attention = new Projection(l, SublayerRefit.ATTENTION, headCols, wo, bo);
                attentionRefit = attention.fit(stats.subset(headCols), settings, changed(keptHeads, chosen));
                appliedHeads[l] = membership(chosen, c.numHeads());
            } else if (attentionRefit == null) {
                ProjectionStatistics stats = attention.newStatistics(settings.repair(), d);
                for (Part p : parts) {
                    p.addAttentionStatistics(encoder, attention, stats, settings.repair());
                }
                attentionRefit = attention.fit(stats, settings, 0);
            }
            refits.add(attentionRefit);
            drift |= attentionRemoves;

            FloatTensor w2 = tensors.get(TensorNames.output(l, "weight"));
            FloatTensor b2 = tensors.get(TensorNames.output(l, "bias"));
            int[] neuronCols = mask.keptNeurons(l);
            Projection ffn = new Projection(l, SublayerRefit.FFN, neuronCols, w2, b2);
            boolean ffnRemoves = neuronCols.length < c.intermediateSize();
            SublayerRefit ffnPlan = ffn.plan(drift || ffnRemoves, neuronCols.length);
            // with re-selection the statistics cover every neuron (the same pass that applies the attention)
            Projection ffnInputs = ffnPlan == null && reselect && ffnRemoves
                    ? new Projection(l, SublayerRefit.FFN, allNeurons, w2, b2) : ffn;
            ProjectionStatistics ffnStats = ffnPlan == null ? ffnInputs.newStatistics(settings.repair(), d) : null;
            for (Part p : parts) {
                p.applyAttention(encoder, attention, ffnInputs, ffnStats, settings.repair());
            }
            SublayerRefit ffnRefit;
            if (ffnPlan != null) {
                ffnRefit = ffnPlan;
            } else if (ffnInputs != ffn) {
                int[] chosen = choose(ffnInputs, ffnStats, settings,
                        UnitReselection.neuronGroups(c.intermediateSize()), neuronCols.length);
                ffn = new Projection(l, SublayerRefit.FFN, chosen, w2, b2);
                ffnRefit = ffn.fit(ffnStats.subset(chosen), settings, changed(neuronCols, chosen));
                appliedNeurons[l] = membership(chosen, c.intermediateSize());
            } else {
                ffnRefit = ffn.fit(ffnStats, settings, 0);
            }
            refits.add(ffnRefit);
            drift |= ffnRemoves;
            for (Part p : parts) {
                p.applyFfn(encoder, ffn);
            }
            attention.writeInto(tensors);
            ffn.writeInto(tensors);
        }
        Checkpoint refit = Checkpoint.of("reconstruction of " + dense.name(), dense.name(), c, tensors);
        UnitMask applied = reselect ? new UnitMask(appliedHeads, appliedNeurons) : mask;
        return new Reconstruction(refit, applied, settings, samples, tokens, refits,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * The {@code keep} units to keep, chosen by {@link UnitReselection} from the statistics over all of the
     * sublayer's columns ({@code every}), with lambda = alpha · trace(G) / N of the full sublayer.
     */
    private static int[] choose(Projection every, ProjectionStatistics stats, ReconstructionSettings settings,
                                int[][] groups, int keep) {
        try {
            return new UnitReselection(stats, toDouble(every.w), stats.lambda(settings.relativeRidge()), groups)
                    .keep(keep);
        } catch (IllegalStateException e) {
            throw new ReconstructionException(every.layer, every.name, "re-selection: " + e.getMessage());
        }
    }

    /** How many of {@code chosen} are not in {@code original} (both ascending unit indices). */
    static int changed(int[] original, int[] chosen) {
        int n = 0;
        for (int u : chosen) {
            if (java.util.Arrays.binarySearch(original, u) < 0) {
                n++;
            }
        }
        return n;
    }

    private static boolean[] membership(int[] kept, int size) {
        boolean[] b = new boolean[size];
        for (int u : kept) {
            b[u] = true;
        }
        return b;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** Context columns of the kept heads: h·d_h .. h·d_h + d_h - 1 for each kept h. */
    static int[] headColumns(int[] keptHeads, int dh) {
        int[] cols = new int[keptHeads.length * dh];
        for (int i = 0; i < keptHeads.length; i++) {
            for (int j = 0; j < dh; j++) {
                cols[i * dh + j] = keptHeads[i] * dh + j;
            }
        }
        return cols;
    }

    private static List<Part> split(Encoder encoder, List<TokenBatch> calibration, int tokensPerPass) {
        List<Part> parts = new ArrayList<>();
        for (int s = 0; s < calibration.size(); s++) {
            TokenBatch b = calibration.get(s);
            int rows = Math.max(1, tokensPerPass / b.sequenceLength());
            for (int from = 0; from < b.size(); from += rows) {
                int to = Math.min(b.size(), from + rows);
                parts.add(new Part(s, from, b.rows(from, to), encoder));
            }
        }
        return parts;
    }

    /**
     * One output projection being refit: its current kept columns W0[K] [k, d] (in, out) and bias, and after
     * {@link #fit} the weights the student uses.
     */
    private static final class Projection {
        final int layer;
        final String name;
        final int[] cols;
        final FloatTensor weight; // Hugging Face [d, in]
        final FloatTensor bias;
        final int d;
        float[] w; // [k, d] in use
        float[] b; // [d] in use

        Projection(int layer, String name, int[] cols, FloatTensor weight, FloatTensor bias) {
            this.layer = layer;
            this.name = name;
            this.cols = cols;
            this.weight = weight;
            this.bias = bias;
            this.d = (int) bias.dim(0);
            int in = (int) weight.dim(1);
            float[] hf = weight.data();
            this.w = new float[cols.length * d];
            for (int i = 0; i < cols.length; i++) {
                for (int j = 0; j < d; j++) {
                    w[i * d + j] = hf[j * in + cols[i]];
                }
            }
            this.b = bias.data().clone();
        }

        /** The record when no fit is needed (null when one is). */
        SublayerRefit plan(boolean changed, int kept) {
            if (kept == 0) {
                return SublayerRefit.untouched(layer, name, SublayerRefit.SKIPPED, 0);
            }
            if (!changed) {
                return SublayerRefit.untouched(layer, name, SublayerRefit.UNCHANGED, kept);
            }
            return null;
        }

        ProjectionStatistics newStatistics(Repair repair, int outputs) {
            return new ProjectionStatistics(repair.refitsWeights() ? cols.length : 0, outputs);
        }

        SublayerRefit fit(ProjectionStatistics stats, ReconstructionSettings settings, int reselected) {
            double[] w0 = toDouble(w);
            double[] b0 = toDouble(b);
            ProjectionStatistics.Fit fit;
            try {
                fit = settings.repair().refitsWeights() ? stats.solve(w0, b0, settings.relativeRidge())
                        : stats.solveBias(new double[0], b0);
            } catch (IllegalStateException e) {
                throw new ReconstructionException(layer, name, e.getMessage());
            }
            if (settings.repair().refitsWeights()) {
                w = toFloat(fit.weights());
            }
            b = toFloat(fit.bias());
            return new SublayerRefit(layer, name, SublayerRefit.REFIT, cols.length, fit.tokens(), fit.lambda(),
                    fit.errorBefore(), fit.errorAfter(), fit.underdetermined(), reselected);
        }

        /** H W + b for the student, [T, d]. */
        NDArray apply(NDManager scope, NDArray h) {
            NDArray bb = scope.create(b, new Shape(d));
            if (cols.length == 0) {
                return scope.zeros(new Shape(h.getShape().get(0), d)).add(bb);
            }
            return h.matMul(scope.create(w, new Shape(cols.length, d))).add(bb);
        }

        NDArray take(NDManager scope, NDArray all) {
            if (cols.length == 0) {
                return scope.zeros(new Shape(all.getShape().get(0), 0));
            }
            long[] idx = new long[cols.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = cols[i];
            }
            return all.get(new NDIndex(":, {}", scope.create(idx)));
        }

        void writeInto(Map<String, FloatTensor> tensors) {
            int in = (int) weight.dim(1);
            float[] hf = weight.data().clone();
            for (int i = 0; i < cols.length; i++) {
                for (int j = 0; j < d; j++) {
                    hf[j * in + cols[i]] = w[i * d + j];
                }
            }
            tensors.put(weight.name(), new FloatTensor(weight.name(), weight.shape(), hf));
            tensors.put(bias.name(), new FloatTensor(bias.name(), bias.shape(), b.clone()));
        }
    }

    /**
     * One micro-batch: its tokens and the two residual streams at the current depth, on the heap. Between the
     * attention and the FFN of a layer the streams hold a_T and a_S.
     */
    private static final class Part {
        final int shard;
        final int from;
        final TokenBatch batch;
        final int rows;
        final int seq;
        final int d;
        float[] teacher;
        float[] student;

        Part(int shard, int from, TokenBatch batch, Encoder encoder) {
            this.shard = shard;
            this.from = from;
            this.batch = batch;
            this.rows = batch.size();
            this.seq = batch.sequenceLength();
            this.d = encoder.config().hiddenSize();
            try (NDManager scope = encoder.newScope()) {
                this.teacher = encoder.embed(scope, batch).toFloatArray();
            }
            this.student = teacher.clone();
        }

        String source(int layer, String sublayer) {
            return "layer " + layer + " " + sublayer + ", calibration shard " + shard + " rows " + from + "-"
                    + (from + rows - 1);
        }

        int tokens() {
            return rows * seq;
        }

        void addAttentionStatistics(Encoder enc, Projection p, ProjectionStatistics stats, Repair repair) {
            try (NDManager scope = enc.newScope()) {
                NDArray bias = enc.attentionBias(scope, batch);
                NDArray xT = scope.create(teacher, new Shape(rows, seq, d));
                NDArray xS = scope.create(student, new Shape(rows, seq, d));
                NDArray h = p.take(scope, enc.attentionContext(p.layer, xS, bias, null).reshape(tokens(), -1));
                NDArray y = enc.attentionOutput(p.layer, xT, bias, null).add(xT).sub(xS).reshape(tokens(), d);
                accumulate(scope, enc, p, stats, repair, h, y);
            }
        }

        /** a_S and a_T from the fitted attention; FFN statistics when {@code ffnStats} is not null. */
        void applyAttention(Encoder enc, Projection attention, Projection ffn, ProjectionStatistics ffnStats,
                            Repair repair) {
            try (NDManager scope = enc.newScope()) {
                NDArray bias = enc.attentionBias(scope, batch);
                NDArray xT = scope.create(teacher, new Shape(rows, seq, d));
                NDArray xS = scope.create(student, new Shape(rows, seq, d));
                int l = attention.layer;
                NDArray h = attention.take(scope, enc.attentionContext(l, xS, bias, null).reshape(tokens(), -1));
                NDArray aS = enc.attentionNorm(l, xS, attention.apply(scope, h).reshape(rows, seq, d));
                NDArray aT = enc.attention(l, xT, bias, null);
                if (ffnStats != null) {
                    NDArray h2 = ffn.take(scope, enc.activation(l, aS).reshape(tokens(), -1));
                    NDArray y = enc.feedForward(l, aT, null).add(aT).sub(aS).reshape(tokens(), d);
                    accumulate(scope, enc, ffn, ffnStats, repair, h2, y);
                }
                teacher = aT.toFloatArray();
                student = aS.toFloatArray();
            }
        }

        void applyFfn(Encoder enc, Projection ffn) {
            try (NDManager scope = enc.newScope()) {
                NDArray aT = scope.create(teacher, new Shape(rows, seq, d));
                NDArray aS = scope.create(student, new Shape(rows, seq, d));
                int l = ffn.layer;
                NDArray h = ffn.take(scope, enc.activation(l, aS).reshape(tokens(), -1));
                NDArray xS = enc.addNorm(l, aS, ffn.apply(scope, h).reshape(rows, seq, d));
                NDArray xT = enc.addNorm(l, aT, enc.feedForward(l, aT, null));
                teacher = xT.toFloatArray();
                student = xS.toFloatArray();
            }
        }

        /**
         * Adds (HᵀH, HᵀY, sums) of the real tokens; for a bias-only repair the statistics have no inputs and the
         * target is Y - H W0[K], whose mean is the bias that minimises the error with W fixed.
         */
        private void accumulate(NDManager scope, Encoder enc, Projection p, ProjectionStatistics stats,
                                Repair repair, NDArray h, NDArray y) {
            NDArray m = enc.attentionMask(scope, batch).reshape(tokens(), 1);
            NDArray target = y;
            NDArray inputs = h;
            if (repair == Repair.BIAS) {
                if (p.cols.length > 0) {
                    target = y.sub(h.matMul(scope.create(p.w, new Shape(p.cols.length, p.d))));
                }
                inputs = null;
            }
            NDArray ym = target.mul(m).toType(DataType.FLOAT64, false);
            int k = stats.inputs();
            double[] g = new double[0];
            double[] c = new double[0];
            double[] sh = new double[0];
            if (k > 0) {
                NDArray hm = inputs.mul(m).toType(DataType.FLOAT64, false);
                NDArray ht = hm.transpose();
                g = ht.matMul(hm).toDoubleArray();
                c = ht.matMul(ym).toDoubleArray();
                sh = hm.sum(new int[] {0}).toDoubleArray();
            }
            double[] sy = ym.sum(new int[] {0}).toDoubleArray();
            double q = ym.square().sum().getDouble();
            long n = Math.round(m.sum().getFloat());
            try {
                stats.addBatch(g, c, sh, sy, q, n, source(p.layer, p.name));
            } catch (IllegalArgumentException e) {
                throw new ReconstructionException(p.layer, p.name, "non-finite statistics at " + e.getMessage()
                        + "; the model or the calibration text gives NaN or infinite activations");
            }
        }
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
