package dev.optinfleet.core.reconstruct;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent, slow reference for {@link Reconstructor} on tiny models: the student's inputs come from full
 * masked forward passes of the dense encoder over the checkpoint refit so far (not from the production code's
 * carried streams); the kept heads' context comes from setting W_o = I, b_o = 0 in a copy; the ridge problem is
 * solved as a stacked least-squares system [H 1; √λ I 0] θ = [Y; √λ W0] by QR, not by the normal equations.
 */
final class NaiveReconstruction {
    /** Per sublayer (attention then FFN, bottom-up): the error before and after, as the reference computes it. */
    final List<double[]> errors = new ArrayList<>();
    Checkpoint result;

    NaiveReconstruction(Checkpoint dense, UnitMask mask, TokenBatch batch, double alpha) {
        ModelConfig c = dense.config();
        Checkpoint current = dense;
        int d = c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            // attention: H = kept context columns of the student, Y = dense attention output + x_T - x_S
            int[] headCols = Reconstructor.headColumns(mask.keptHeads(l), c.headDim());
            double[][] h;
            double[][] y;
            try (Encoder student = Encoder.load(current); Encoder teacher = Encoder.load(dense);
                 Encoder identity = Encoder.load(withIdentityOutput(current, l));
                 NDManager scope = student.newScope()) {
                MaskGates gates = MaskGates.of(scope, c, mask);
                NDArray bias = student.attentionBias(scope, batch);
                NDArray xS = inputOf(student, scope, batch, gates, l);
                NDArray xT = inputOf(teacher, scope, batch, null, l);
                NDArray ctx = identity.attentionOutput(l, xS, bias, gates.heads(l));
                NDArray target = teacher.attentionOutput(l, xT, bias, null).add(xT).sub(xS);
                h = tokens(ctx, batch, headCols);
                y = tokens(target, batch, null);
            }
            current = refit(current, l, TensorNames.attentionOutput(l, "weight"),
                    TensorNames.attentionOutput(l, "bias"), headCols, h, y, alpha, d);
            // FFN: H = kept activations at a_S of the refit attention, Y = dense F(a_T) + a_T - a_S
            int[] neuronCols = mask.keptNeurons(l);
            try (Encoder student = Encoder.load(current); Encoder teacher = Encoder.load(dense);
                 NDManager scope = student.newScope()) {
                MaskGates gates = MaskGates.of(scope, c, mask);
                NDArray bias = student.attentionBias(scope, batch);
                NDArray aS = student.attention(l, inputOf(student, scope, batch, gates, l), bias, gates.heads(l));
                NDArray aT = teacher.attention(l, inputOf(teacher, scope, batch, null, l), bias, null);
                h = tokens(student.activation(l, aS), batch, neuronCols);
                y = tokens(teacher.feedForward(l, aT, null).add(aT).sub(aS), batch, null);
            }
            current = refit(current, l, TensorNames.output(l, "weight"), TensorNames.output(l, "bias"), neuronCols,
                    h, y, alpha, d);
        }
        result = current;
    }

    /** Input of layer l by a full masked pass from the embeddings. */
    private static NDArray inputOf(Encoder enc, NDManager scope, TokenBatch batch, MaskGates gates, int layer) {
        NDArray bias = enc.attentionBias(scope, batch);
        NDArray x = enc.embed(scope, batch);
        for (int j = 0; j < layer; j++) {
            NDArray a = enc.attention(j, x, bias, gates == null ? null : gates.heads(j));
            x = enc.addNorm(j, a, enc.feedForward(j, a, gates == null ? null : gates.neurons(j)));
        }
        return x;
    }

    private static Checkpoint withIdentityOutput(Checkpoint cp, int layer) {
        Map<String, FloatTensor> t = new LinkedHashMap<>(cp.tensors());
        String w = TensorNames.attentionOutput(layer, "weight");
        String b = TensorNames.attentionOutput(layer, "bias");
        int d = cp.config().hiddenSize();
        float[] eye = new float[d * d];
        for (int i = 0; i < d; i++) {
            eye[i * d + i] = 1f;
        }
        t.put(w, new FloatTensor(w, new long[] {d, d}, eye));
        t.put(b, new FloatTensor(b, new long[] {d}, new float[d]));
        return Checkpoint.of("identity", cp.name(), cp.config(), t);
    }

    /** Rows of the real tokens of [R, S, w], columns {@code cols} (all when null), in double. */
    private static double[][] tokens(NDArray a, TokenBatch batch, int[] cols) {
        long[] shape = a.getShape().getShape();
        int w = (int) shape[2];
        float[] v = a.toFloatArray();
        List<double[]> rows = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            for (int p = 0; p < batch.sequenceLength(); p++) {
                if (!batch.isToken(r, p)) {
                    continue;
                }
                int base = (r * batch.sequenceLength() + p) * w;
                int[] c = cols;
                double[] row = new double[c == null ? w : c.length];
                for (int i = 0; i < row.length; i++) {
                    row[i] = v[base + (c == null ? i : c[i])];
                }
                rows.add(row);
            }
        }
        return rows.toArray(new double[0][]);
    }

    private Checkpoint refit(Checkpoint cp, int layer, String weightName, String biasName, int[] cols, double[][] h,
                             double[][] y, double alpha, int d) {
        if (cols.length == 0) {
            return cp;
        }
        FloatTensor weight = cp.tensor(weightName);
        FloatTensor bias = cp.tensor(biasName);
        int in = (int) weight.dim(1);
        int k = cols.length;
        int n = h.length;
        double[][] w0 = new double[k][d];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) {
                w0[i][j] = weight.data()[j * in + cols[i]];
            }
        }
        double trace = 0;
        for (double[] row : h) {
            for (double x : row) {
                trace += x * x;
            }
        }
        double lambda = alpha * trace / k;
        double root = Math.sqrt(lambda);
        DMatrixRMaj a = new DMatrixRMaj(n + k, k + 1);
        DMatrixRMaj b = new DMatrixRMaj(n + k, d);
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < k; i++) {
                a.set(t, i, h[t][i]);
            }
            a.set(t, k, 1);
            for (int j = 0; j < d; j++) {
                b.set(t, j, y[t][j]);
            }
        }
        for (int i = 0; i < k; i++) {
            a.set(n + i, i, root);
            for (int j = 0; j < d; j++) {
                b.set(n + i, j, root * w0[i][j]);
            }
        }
        LinearSolverDense<DMatrixRMaj> qr = LinearSolverFactory_DDRM.leastSquares(n + k, k + 1);
        if (!qr.setA(a)) {
            throw new IllegalStateException("QR failed");
        }
        DMatrixRMaj theta = new DMatrixRMaj(k + 1, d);
        qr.solve(b, theta);
        double[] b0 = new double[d];
        for (int j = 0; j < d; j++) {
            b0[j] = bias.data()[j];
        }
        double[][] w1 = new double[k][d];
        double[] b1 = new double[d];
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < k; i++) {
                w1[i][j] = theta.get(i, j);
            }
            b1[j] = theta.get(k, j);
        }
        errors.add(new double[] {error(h, y, w0, b0), error(h, y, w1, b1)});
        float[] wNew = weight.data().clone();
        float[] bNew = new float[d];
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < k; i++) {
                wNew[j * in + cols[i]] = (float) w1[i][j];
            }
            bNew[j] = (float) b1[j];
        }
        Map<String, FloatTensor> t = new LinkedHashMap<>(cp.tensors());
        t.put(weightName, new FloatTensor(weightName, weight.shape(), wNew));
        t.put(biasName, new FloatTensor(biasName, bias.shape(), bNew));
        return Checkpoint.of("naive", cp.name(), cp.config(), t);
    }

    /** Σ_t ||h_t W + b - y_t||², directly. */
    static double error(double[][] h, double[][] y, double[][] w, double[] b) {
        double e = 0;
        for (int t = 0; t < h.length; t++) {
            for (int j = 0; j < b.length; j++) {
                double s = b[j] - y[t][j];
                for (int i = 0; i < w.length; i++) {
                    s += h[t][i] * w[i][j];
                }
                e += s * s;
            }
        }
        return e;
    }
}
