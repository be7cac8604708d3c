package dev.optinfleet.core.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;

import java.util.Arrays;

/**
 * Exact leave-one-out terms (the {@code trajectory} and {@code output} scorers): for every unit u of a range in
 * layer l, the model is run with only u removed and compared with the teacher.
 *
 * <p>Exact shortcuts, each giving the same numbers as a full forward pass with the unit masked:
 * <ul>
 *   <li>the pass starts from the cached input of layer l (for a neuron, from its cached activations: removing
 *       neuron i changes F_l by exactly −act_i ⊗ W_2[i]);</li>
 *   <li>up to {@code unitBatch} removed units run as one pass of n·B rows, each block of B rows with its own
 *       mask;</li>
 *   <li>the K token rows of the Gram matrices are chosen once per shard ({@link TokenSample}).</li>
 * </ul>
 * Terms: feature = Σ_{j>l} D_j (plus D_l when l is the last layer), output = the teacher-student output divergence
 * ({@link TeacherPass#outputDivergence}). The feature term is skipped when the settings do not need it.
 */
public final class ExactScorer {
    /**
     * Token rows (units x samples x positions) one batched pass may hold. Batching units pays only while a pass's
     * activations stay cache- and allocator-friendly: measured on MiniLM (2 cores), 4 units of an 8 x 88 shard ran
     * 15% faster per unit than 16, and on a 32 x 147 shard one unit per pass was 1.6x faster than 8.
     */
    static final int PASS_TOKENS = 4096;

    private ExactScorer() {
    }

    /** Removed units per pass on a shard of {@code samples} x {@code length} tokens. */
    static int unitsPerPass(int unitBatch, int samples, int length) {
        return Math.max(1, Math.min(unitBatch, PASS_TOKENS / (samples * length)));
    }

    /** Terms of units [from, from + count) of one kind in one layer, on the teacher pass's shard. */
    public static UnitTerms score(TeacherPass teacher, int layer, UnitKind kind, int from, int count,
                                  ScoringSettings settings) {
        Encoder enc = teacher.encoder();
        int layers = enc.config().numLayers();
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer must be in [0, " + layers + "), was " + layer);
        }
        int units = kind == UnitKind.HEAD ? enc.config().headsIn(layer) : enc.config().neuronsIn(layer);
        if (from < 0 || count <= 0 || from + count > units) {
            throw new IllegalArgumentException("unit range [" + from + ", " + (from + count) + ") is outside the "
                    + units + " " + kind.name().toLowerCase() + "s of layer " + layer);
        }
        if (enc.config().isPruned()) {
            throw new IllegalArgumentException("scoring needs the dense model, got " + enc.config());
        }
        boolean wantFeature = settings.needsFeatureTerm();
        double[] feature = new double[count];
        double[] output = new double[count];
        int perPass = unitsPerPass(settings.unitBatch(), teacher.batch().size(), teacher.batch().sequenceLength());
        for (int u = from; u < from + count; u += perPass) {
            int n = Math.min(perPass, from + count - u);
            try (NDManager chunk = enc.newScope()) {
                double[][] terms = chunk(teacher, layer, kind, u, n, wantFeature, chunk);
                System.arraycopy(terms[0], 0, feature, u - from, n);
                System.arraycopy(terms[1], 0, output, u - from, n);
            }
        }
        return new UnitTerms(layer, kind, from, feature, output);
    }

    /*
     * A pass of n·B rows makes large temporaries at every layer (attention scores alone are n·B·h·S² floats: 0.5 GB
     * for 16 units of a 32-sample shard padded to 147). A scope keeps all of its arrays until it closes, so each
     * layer runs in its own sub-scope and only what the next layer needs (its input, the summed feature term)
     * moves out; otherwise a unit batch holds every layer's temporaries at once (24 GB there).
     */
    private static double[][] chunk(TeacherPass t, int l, UnitKind kind, int u, int n, boolean wantFeature,
                                    NDManager chunk) {
        Encoder enc = t.encoder();
        int layers = enc.config().numLayers();
        int b = t.batch().size();
        NDArray bias = tiled(t.bias(), n, chunk);
        NDArray mask = tiled(t.mask(), n, chunk);
        NDArray x;
        NDArray featureTerm = null;
        try (NDManager layer = chunk.newSubManager()) {
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
                a = enc.attention(l, tiled(t.input(l), n, layer), bias, gate);
                f = enc.feedForward(l, a, null);
            } else {
                NDArray act = own(t.activations(l).get(new NDIndex(":, :, {}:{}", u, u + n)), layer); // [B, S, n]
                NDArray w2 = own(enc.ffnOutputWeight(l).get(new NDIndex("{}:{}", u, u + n)), layer); // [n, d]
                long s = act.getShape().get(1);
                long d = w2.getShape().get(1);
                NDArray delta = act.transpose(2, 0, 1).expandDims(3).mul(w2.reshape(n, 1, 1, d)); // [n, B, S, d]
                f = delta.neg().add(t.feature(l)).reshape((long) n * b, s, d);
                a = tiled(t.attended(l), n, layer);
            }
            if (wantFeature && l == layers - 1) {
                featureTerm = own(t.gramDistance(l, f, n), chunk);
            }
            x = own(enc.addNorm(l, a, f), chunk);
        }
        for (int j = l + 1; j < layers; j++) {
            try (NDManager layer = chunk.newSubManager()) {
                own(x, layer); // this layer's input is not needed after it
                NDArray aj = enc.attention(j, x, bias, null);
                NDArray fj = enc.feedForward(j, aj, null);
                if (wantFeature) {
                    NDArray dj = t.gramDistance(j, fj, n);
                    featureTerm = own(featureTerm == null ? dj : featureTerm.add(dj), chunk);
                }
                x = own(enc.addNorm(j, aj, fj), chunk);
            }
        }
        EncoderOutput out = enc.head(x, mask, new NDArray[layers]);
        double[] output = t.outputDivergence(out, n).toDoubleArray();
        double[] feature = featureTerm == null ? new double[n] : featureTerm.toDoubleArray();
        return new double[][] {feature, output};
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
