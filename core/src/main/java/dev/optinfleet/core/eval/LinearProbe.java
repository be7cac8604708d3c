package dev.optinfleet.core.eval;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A linear classifier on frozen features: multinomial logistic regression trained in plain Java.
 *
 * <p>For features x_n ∈ R^d and classes y_n ∈ [0, C), with z_n = (x_n − μ) / σ (per-feature mean and standard
 * deviation of the training features, or z = x without standardisation), minimises
 * <pre>
 *   f(W, b) = (1/N) Σ_n [ log Σ_c exp(W_c · z_n + b_c) − (W_{y_n} · z_n + b_{y_n}) ]  +  (λ/2) ‖W‖²
 * </pre>
 * with L-BFGS (10 correction pairs, backtracking Armijo line search) from W = 0, b = 0, until the largest gradient
 * entry is below {@code tolerance} or after {@code maxIterations} iterations. Sums are accumulated in double and
 * visited in a fixed order, so a fit is deterministic. The objective is strictly convex in W, so the result does
 * not depend on the start.
 *
 * <p>The standardisation is folded into the stored weights: {@link #weight()} [C, d] and {@link #bias()} [C]
 * apply to raw features, logits = W' x + b' with W'_cj = W_cj / σ_j and b'_c = b_c − Σ_j W_cj μ_j / σ_j. That is
 * the Hugging Face classifier layout, so {@link #withHead} attaches the probe to an encoder as
 * {@code classifier.weight} and {@code classifier.bias}.
 *
 * <p>Immutable.
 */
public final class LinearProbe {
    private static final int MEMORY = 10;
    private static final double ARMIJO = 1e-4;
    private static final int MAX_BACKTRACKS = 50;
    /** Below this a feature is taken as constant: it is centred but not scaled. */
    private static final double MIN_STD = 1e-12;

    private final double[][] weight;
    private final double[] bias;
    private final int iterations;
    private final double loss;

    /**
     * Training settings.
     *
     * @param l2            λ, the L2 penalty on the (standardised) weights, >= 0; the bias is not penalised
     * @param maxIterations L-BFGS iterations at most, >= 1
     * @param tolerance     stop when max |∂f/∂θ| falls below this, >= 0
     * @param standardise   train on standardised features (recommended: it makes λ independent of feature scale)
     */
    public record Settings(double l2, int maxIterations, double tolerance, boolean standardise) {

        public Settings {
            if (!(l2 >= 0) || Double.isInfinite(l2)) {
                throw new IllegalArgumentException("l2 must be finite and >= 0, was " + l2);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, was " + maxIterations);
            }
            if (!(tolerance >= 0)) {
                throw new IllegalArgumentException("tolerance must be >= 0, was " + tolerance);
            }
        }

        /** λ = 1e-3 on standardised features, 500 iterations, tolerance 1e-6. */
        public static Settings defaults() {
            return new Settings(1e-3, 500, 1e-6, true);
        }

        public Settings withL2(double newL2) {
            return new Settings(newL2, maxIterations, tolerance, standardise);
        }

        public Settings withMaxIterations(int newMaxIterations) {
            return new Settings(l2, newMaxIterations, tolerance, standardise);
        }
    }

    private LinearProbe(double[][] weight, double[] bias, int iterations, double loss) {
        this.weight = weight;
        this.bias = bias;
        this.iterations = iterations;
        this.loss = loss;
    }

    /**
     * Fits the probe.
     *
     * @param features   [N, d], N >= 1, d >= 1
     * @param labels     [N], each in [0, numClasses)
     * @param numClasses C >= 2
     */
    public static LinearProbe fit(float[][] features, int[] labels, int numClasses, Settings settings) {
        int n = features.length;
        if (n == 0) {
            throw new IllegalArgumentException("no training samples");
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("features have " + n + " rows but labels have " + labels.length);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, was " + numClasses);
        }
        int d = features[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("features have no columns");
        }
        for (int i = 0; i < n; i++) {
            if (features[i].length != d) {
                throw new IllegalArgumentException("feature row " + i + " has " + features[i].length
                        + " columns, row 0 has " + d);
            }
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + i + " must be in [0, " + numClasses + "), was "
                        + labels[i]);
            }
        }
        double[] mean = new double[d];
        double[] std = new double[d];
        Arrays.fill(std, 1);
        if (settings.standardise()) {
            standardisation(features, mean, std);
        }
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                z[i][j] = (features[i][j] - mean[j]) / std[j];
            }
        }
        Objective objective = new Objective(z, labels, numClasses, settings.l2());
        double[] theta = new double[numClasses * (d + 1)];
        int[] used = new int[1];
        double f = minimise(objective, theta, settings, used);

        double[][] w = new double[numClasses][d];
        double[] b = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            double shift = 0;
            for (int j = 0; j < d; j++) {
                double wz = theta[c * d + j];
                w[c][j] = wz / std[j];
                shift += wz * mean[j] / std[j];
            }
            b[c] = theta[numClasses * d + c] - shift;
        }
        return new LinearProbe(w, b, used[0], f);
    }

    /** Fits on labelled samples' features; class k is {@code classes.get(k)}. */
    public static LinearProbe fit(float[][] features, LabelledSet samples, List<String> classes,
                                  Settings settings) {
        return fit(features, samples.labelIndices(classes), classes.size(), settings);
    }

    public int numClasses() {
        return weight.length;
    }

    public int dimension() {
        return weight[0].length;
    }

    /** L-BFGS iterations the fit took. */
    public int iterations() {
        return iterations;
    }

    /** The training objective f at the solution (mean cross-entropy plus the L2 term). */
    public double loss() {
        return loss;
    }

    /** W' [C, d] on raw features (standardisation folded in), as float32. */
    public float[][] weight() {
        float[][] out = new float[weight.length][];
        for (int c = 0; c < weight.length; c++) {
            out[c] = new float[weight[c].length];
            for (int j = 0; j < weight[c].length; j++) {
                out[c][j] = (float) weight[c][j];
            }
        }
        return out;
    }

    /** b' [C] on raw features, as float32. */
    public float[] bias() {
        float[] out = new float[bias.length];
        for (int c = 0; c < bias.length; c++) {
            out[c] = (float) bias[c];
        }
        return out;
    }

    /** Logits [N, C] = X W'ᵀ + b', in double. */
    public double[][] logits(float[][] features) {
        double[][] out = new double[features.length][];
        for (int i = 0; i < features.length; i++) {
            checkRow(features, i);
            double[] row = new double[weight.length];
            for (int c = 0; c < weight.length; c++) {
                double s = bias[c];
                for (int j = 0; j < weight[c].length; j++) {
                    s += weight[c][j] * features[i][j];
                }
                row[c] = s;
            }
            out[i] = row;
        }
        return out;
    }

    /** The most likely class of each row [N]; ties go to the lower index. */
    public int[] predict(float[][] features) {
        double[][] z = logits(features);
        int[] out = new int[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = argmax(z[i]);
        }
        return out;
    }

    /** Fraction of rows whose prediction equals the label. */
    public double accuracy(float[][] features, int[] labels) {
        if (labels.length != features.length) {
            throw new IllegalArgumentException("features have " + features.length + " rows but labels have "
                    + labels.length);
        }
        int[] p = predict(features);
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == labels[i]) {
                correct++;
            }
        }
        return (double) correct / p.length;
    }

    /**
     * The encoder with this probe as its classification head: config with {@code numLabels = C}, the labels and
     * the pooling, tensors {@code classifier.weight} [C, d] and {@code classifier.bias} [C]. Any head the
     * checkpoint already had is replaced.
     *
     * @param encoderOnly the encoder whose pooled features the probe was trained on (dense or pruned)
     * @param pooling     the pooling those features were made with (the head applies to its output)
     * @param labels      class names, one per class, in index order
     */
    public Checkpoint withHead(Checkpoint encoderOnly, Pooling pooling, List<String> labels) {
        ModelConfig config = encoderOnly.config();
        if (config.hiddenSize() != dimension()) {
            throw new IllegalArgumentException("probe has " + dimension() + " inputs but " + encoderOnly.name()
                    + " has hidden size " + config.hiddenSize());
        }
        if (labels.size() != numClasses()) {
            throw new IllegalArgumentException("probe has " + numClasses() + " classes but " + labels.size()
                    + " labels were given: " + labels);
        }
        int c = numClasses();
        int d = dimension();
        float[] w = new float[c * d];
        float[][] rows = weight();
        for (int k = 0; k < c; k++) {
            System.arraycopy(rows[k], 0, w, k * d, d);
        }
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, FloatTensor> e : encoderOnly.tensors().entrySet()) {
            if (!e.getKey().equals(TensorNames.CLASSIFIER_WEIGHT) && !e.getKey().equals(TensorNames.CLASSIFIER_BIAS)) {
                tensors.put(e.getKey(), e.getValue());
            }
        }
        tensors.put(TensorNames.CLASSIFIER_WEIGHT, new FloatTensor(TensorNames.CLASSIFIER_WEIGHT,
                new long[] {c, d}, w));
        tensors.put(TensorNames.CLASSIFIER_BIAS, new FloatTensor(TensorNames.CLASSIFIER_BIAS, new long[] {c},
                bias()));
        return Checkpoint.of("linear probe on " + encoderOnly.name(), encoderOnly.name(),
                config.withHead(pooling, c, labels), tensors);
    }

    private void checkRow(float[][] features, int i) {
        if (features[i].length != dimension()) {
            throw new IllegalArgumentException("feature row " + i + " has " + features[i].length
                    + " columns, the probe has " + dimension() + " inputs");
        }
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void standardisation(float[][] x, double[] mean, double[] std) {
        int n = x.length;
        int d = mean.length;
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[] var = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                double c = row[j] - mean[j];
                var[j] += c * c;
            }
        }
        for (int j = 0; j < d; j++) {
            double s = Math.sqrt(var[j] / n);
            std[j] = s < MIN_STD ? 1 : s;
        }
    }

    /**
     * L-BFGS on {@code theta} (updated in place, the final point); returns f there and the iteration count in
     * {@code used[0]}.
     */
    private static double minimise(Objective objective, double[] theta, Settings settings, int[] used) {
        int p = theta.length;
        double[] g = new double[p];
        double f = objective.valueAndGradient(theta, g);
        double[][] s = new double[MEMORY][];
        double[][] y = new double[MEMORY][];
        double[] rho = new double[MEMORY];
        int stored = 0;
        int newest = -1;
        double[] dir = new double[p];
        double[] next = new double[p];
        double[] gNext = new double[p];
        double[] alpha = new double[MEMORY];
        int it = 0;
        while (it < settings.maxIterations() && maxAbs(g) > settings.tolerance()) {
            // Two-loop recursion: dir = -H g.
            for (int i = 0; i < p; i++) {
                dir[i] = -g[i];
            }
            for (int k = 0; k < stored; k++) {
                int m = Math.floorMod(newest - k, MEMORY);
                alpha[m] = rho[m] * dot(s[m], dir);
                axpy(-alpha[m], y[m], dir);
            }
            if (stored > 0) {
                double gamma = dot(s[newest], y[newest]) / dot(y[newest], y[newest]);
                for (int i = 0; i < p; i++) {
                    dir[i] *= gamma;
                }
            }
            for (int k = stored - 1; k >= 0; k--) {
                int m = Math.floorMod(newest - k, MEMORY);
                double beta = rho[m] * dot(y[m], dir);
                axpy(alpha[m] - beta, s[m], dir);
            }
            double slope = dot(g, dir);
            if (!(slope < 0)) {
                // Not a descent direction (rounding): forget the curvature pairs and go downhill.
                stored = 0;
                for (int i = 0; i < p; i++) {
                    dir[i] = -g[i];
                }
                slope = -dot(g, g);
            }
            double step = stored == 0 ? Math.min(1, 1 / Math.sqrt(dot(g, g))) : 1;
            double fNext = Double.NaN;
            boolean accepted = false;
            for (int b = 0; b < MAX_BACKTRACKS; b++) {
                for (int i = 0; i < p; i++) {
                    next[i] = theta[i] + step * dir[i];
                }
                fNext = objective.valueAndGradient(next, gNext);
                if (fNext <= f + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            it++;
            if (!accepted) {
                break;
            }
            newest = (newest + 1) % MEMORY;
            double[] sk = new double[p];
            double[] yk = new double[p];
            for (int i = 0; i < p; i++) {
                sk[i] = next[i] - theta[i];
                yk[i] = gNext[i] - g[i];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-12 * dot(yk, yk)) {
                s[newest] = sk;
                y[newest] = yk;
                rho[newest] = 1 / sy;
                stored = Math.min(stored + 1, MEMORY);
            } else {
                newest = Math.floorMod(newest - 1, MEMORY);
            }
            double decrease = f - fNext;
            System.arraycopy(next, 0, theta, 0, p);
            System.arraycopy(gNext, 0, g, 0, p);
            f = fNext;
            if (decrease <= 1e-15 * Math.max(1, Math.abs(f))) {
                break;
            }
        }
        used[0] = it;
        return f;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    /** f and ∇f of the regularised cross-entropy; θ = [W (C x d, row-major), b (C)]. */
    private record Objective(double[][] z, int[] labels, int classes, double l2) {

        double valueAndGradient(double[] theta, double[] grad) {
            int n = z.length;
            int d = z[0].length;
            int biasAt = classes * d;
            Arrays.fill(grad, 0);
            double[] logit = new double[classes];
            double total = 0;
            for (int i = 0; i < n; i++) {
                double[] x = z[i];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    double v = theta[biasAt + c];
                    int row = c * d;
                    for (int j = 0; j < d; j++) {
                        v += theta[row + j] * x[j];
                    }
                    logit[c] = v;
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.exp(logit[c] - max);
                }
                double lse = max + Math.log(sum);
                total += lse - logit[labels[i]];
                for (int c = 0; c < classes; c++) {
                    double r = Math.exp(logit[c] - lse) - (c == labels[i] ? 1 : 0);
                    grad[biasAt + c] += r;
                    int row = c * d;
                    for (int j = 0; j < d; j++) {
                        grad[row + j] += r * x[j];
                    }
                }
            }
            double penalty = 0;
            for (int k = 0; k < grad.length; k++) {
                grad[k] /= n;
                if (k < biasAt) {
                    penalty += theta[k] * theta[k];
                    grad[k] += l2 * theta[k];
                }
            }
            return total / n + 0.5 * l2 * penalty;
        }
    }
}
