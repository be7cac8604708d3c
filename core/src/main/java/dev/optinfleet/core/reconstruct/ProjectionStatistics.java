package dev.optinfleet.core.reconstruct;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Sufficient statistics of one output projection's least-squares refit, summed in double over calibration tokens
 * (padding excluded), and its ridge solution. Mutable: {@link #addBatch} adds one micro-batch; not thread-safe.
 *
 * <p>For inputs H [n, k] (the kept columns feeding the projection) and targets Y [n, d]:
 * G = HᵀH [k, k], C = HᵀY [k, d], s_H = 1ᵀH [k], s_Y = 1ᵀY [d], q = Σ Y², n tokens. Memory: (k + 1)² + (k + 1)·d
 * doubles, independent of the number of tokens (k = 1536, d = 384: 21 MB).
 *
 * <p>The refit minimises ||H W + 1 bᵀ - Y||² + lambda ||W - W0||² (bias unregularised, W stored [in = k, out = d])
 * with lambda = alpha · trace(G) / k. With the bias folded in as an augmented column of ones, θ = [W; bᵀ]
 * [(k + 1), d] solves the normal equations
 * <pre>
 *   [ G + lambda I   s_H ] θ = [ C + lambda W0 ]
 *   [ s_Hᵀ           n   ]     [ s_Yᵀ          ]
 * </pre>
 * by Cholesky (the matrix is positive definite whenever n > 0 and lambda > 0, however few tokens there are).
 */
public final class ProjectionStatistics {
    private final int k;
    private final int d;
    private final double[] gram;
    private final double[] cross;
    private final double[] sumH;
    private final double[] sumY;
    private double sumSquaresY;
    private long tokens;

    public ProjectionStatistics(int inputs, int outputs) {
        if (inputs < 0 || outputs < 1) {
            throw new IllegalArgumentException("statistics need >= 0 inputs and >= 1 outputs, was " + inputs + " x "
                    + outputs);
        }
        this.k = inputs;
        this.d = outputs;
        this.gram = new double[k * k];
        this.cross = new double[k * d];
        this.sumH = new double[k];
        this.sumY = new double[d];
    }

    public int inputs() {
        return k;
    }

    public int outputs() {
        return d;
    }

    public long tokens() {
        return tokens;
    }

    /** HᵀH [k·k], row-major; the array itself (read only). */
    double[] gram() {
        return gram;
    }

    /** HᵀY [k·d]; the array itself (read only). */
    double[] cross() {
        return cross;
    }

    /** 1ᵀH [k]; the array itself (read only). */
    double[] sumH() {
        return sumH;
    }

    /** 1ᵀY [d]; the array itself (read only). */
    double[] sumY() {
        return sumY;
    }

    /**
     * Adds one micro-batch's partial sums (already restricted to real tokens).
     *
     * @param g      HᵀH of the batch, [k·k] row-major
     * @param c      HᵀY, [k·d]
     * @param sh     column sums of H, [k]
     * @param sy     column sums of Y, [d]
     * @param q      Σ Y²
     * @param n      tokens in the batch
     * @param source where the batch came from, for the error message
     * @throws IllegalArgumentException when a value is NaN or infinite, naming {@code source} and which sum
     */
    public void addBatch(double[] g, double[] c, double[] sh, double[] sy, double q, long n, String source) {
        check(g, k * k, "HᵀH", source);
        check(c, k * d, "HᵀY", source);
        check(sh, k, "column sums of H", source);
        check(sy, d, "column sums of Y", source);
        if (!Double.isFinite(q)) {
            throw new IllegalArgumentException(source + ": sum of squares of Y is " + q);
        }
        add(gram, g);
        add(cross, c);
        add(sumH, sh);
        add(sumY, sy);
        sumSquaresY += q;
        tokens += n;
    }

    /**
     * The statistics of a subset of the inputs: the rows and columns {@code columns} of HᵀH, the rows of HᵀY and
     * of s_H; s_Y, q and n unchanged. Exactly what accumulating H[:, columns] alone would give.
     *
     * @param columns input indices in [0, k), distinct, in the order the subset's inputs take
     */
    public ProjectionStatistics subset(int[] columns) {
        ProjectionStatistics s = new ProjectionStatistics(columns.length, d);
        boolean[] seen = new boolean[k];
        for (int a = 0; a < columns.length; a++) {
            int i = columns[a];
            if (i < 0 || i >= k || seen[i]) {
                throw new IllegalArgumentException("subset column " + i + " is out of [0, " + k + ") or repeated");
            }
            seen[i] = true;
            for (int b = 0; b < columns.length; b++) {
                s.gram[a * columns.length + b] = gram[i * k + columns[b]];
            }
            System.arraycopy(cross, i * d, s.cross, a * d, d);
            s.sumH[a] = sumH[i];
        }
        System.arraycopy(sumY, 0, s.sumY, 0, d);
        s.sumSquaresY = sumSquaresY;
        s.tokens = tokens;
        return s;
    }

    /** lambda = alpha · trace(HᵀH) / k, the ridge term {@link #solve} uses (1·alpha when the trace is 0; 0 if k = 0). */
    public double lambda(double alpha) {
        double trace = 0;
        for (int i = 0; i < k; i++) {
            trace += gram[i * k + i];
        }
        // An all-zero H (e.g. every kept activation exactly 0) has trace 0: any lambda > 0 then keeps W at W0.
        return k == 0 ? 0 : alpha * (trace > 0 ? trace / k : 1);
    }

    /**
     * The ridge solution around {@code w0}.
     *
     * @param w0    current weights [k·d], row-major [in, out]
     * @param b0    current bias [d]
     * @param alpha relative ridge, > 0
     */
    public Fit solve(double[] w0, double[] b0, double alpha) {
        requireLength(w0, k * d, "w0");
        requireLength(b0, d, "b0");
        if (tokens == 0) {
            throw new IllegalStateException("no calibration tokens were added");
        }
        return solveWithLambda(w0, b0, lambda(alpha));
    }

    /** As {@link #solve} with the ridge term given absolutely (lambda > 0 unless k = 0). */
    public Fit solveWithLambda(double[] w0, double[] b0, double lambda) {
        requireLength(w0, k * d, "w0");
        requireLength(b0, d, "b0");
        if (tokens == 0) {
            throw new IllegalStateException("no calibration tokens were added");
        }
        int m = k + 1;
        DMatrixRMaj a = new DMatrixRMaj(m, m);
        DMatrixRMaj rhs = new DMatrixRMaj(m, d);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                a.set(i, j, gram[i * k + j] + (i == j ? lambda : 0));
            }
            a.set(i, k, sumH[i]);
            a.set(k, i, sumH[i]);
            for (int j = 0; j < d; j++) {
                rhs.set(i, j, cross[i * d + j] + lambda * w0[i * d + j]);
            }
        }
        a.set(k, k, tokens);
        for (int j = 0; j < d; j++) {
            rhs.set(k, j, sumY[j]);
        }
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(m);
        if (!chol.setA(a)) {
            throw new IllegalStateException("the regularised normal equations are not positive definite ("
                    + tokens + " tokens, " + k + " inputs, lambda " + lambda + ")");
        }
        DMatrixRMaj theta = new DMatrixRMaj(m, d);
        chol.solve(rhs, theta);
        double[] w = new double[k * d];
        double[] b = new double[d];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) {
                w[i * d + j] = theta.get(i, j);
            }
        }
        for (int j = 0; j < d; j++) {
            b[j] = theta.get(k, j);
        }
        for (double v : theta.data) {
            if (!Double.isFinite(v)) {
                throw new IllegalStateException("the solution is not finite (" + tokens + " tokens, " + k
                        + " inputs, lambda " + lambda + ")");
            }
        }
        return new Fit(w, b, lambda, error(w0, b0), error(w, b), tokens, tokens <= k);
    }

    /** The bias alone that minimises the error with W fixed at {@code w0}: b = (s_Y - s_Hᵀ W0) / n. */
    public Fit solveBias(double[] w0, double[] b0) {
        requireLength(w0, k * d, "w0");
        requireLength(b0, d, "b0");
        if (tokens == 0) {
            throw new IllegalStateException("no calibration tokens were added");
        }
        double[] b = new double[d];
        for (int j = 0; j < d; j++) {
            double s = sumY[j];
            for (int i = 0; i < k; i++) {
                s -= sumH[i] * w0[i * d + j];
            }
            b[j] = s / tokens;
        }
        return new Fit(w0.clone(), b, 0, error(w0, b0), error(w0, b), tokens, false);
    }

    /**
     * ||H W + 1 bᵀ - Y||² from the statistics: Σ_j (w_jᵀ G w_j + 2 b_j s_Hᵀ w_j + n b_j² - 2 c_jᵀ w_j
     * - 2 b_j s_Y,j) + q, for columns w_j of W and c_j of C.
     */
    public double error(double[] w, double[] b) {
        requireLength(w, k * d, "w");
        requireLength(b, d, "b");
        DMatrixRMaj wm = DMatrixRMaj.wrap(k, d, w);
        DMatrixRMaj gw = new DMatrixRMaj(k, d);
        if (k > 0) {
            CommonOps_DDRM.mult(DMatrixRMaj.wrap(k, k, gram), wm, gw);
        }
        double e = sumSquaresY;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) {
                double wij = w[i * d + j];
                e += wij * gw.get(i, j) + 2 * b[j] * sumH[i] * wij - 2 * cross[i * d + j] * wij;
            }
        }
        for (int j = 0; j < d; j++) {
            e += tokens * b[j] * b[j] - 2 * b[j] * sumY[j];
        }
        return e;
    }

    /**
     * One refit.
     *
     * @param weights        W* [k·d], row-major [in, out]
     * @param bias           b* [d]
     * @param lambda         the ridge term used (0 for a bias-only fit)
     * @param errorBefore    ||H W0 + b0 - Y||² on the calibration tokens
     * @param errorAfter     ||H W* + b* - Y||²
     * @param tokens         n
     * @param underdetermined n <= k: fewer tokens than inputs, solvable only through the ridge term
     */
    public record Fit(double[] weights, double[] bias, double lambda, double errorBefore, double errorAfter,
                      long tokens, boolean underdetermined) {
    }

    private static void check(double[] v, int length, String what, String source) {
        requireLength(v, length, what);
        for (double x : v) {
            if (!Double.isFinite(x)) {
                throw new IllegalArgumentException(source + ": " + what + " contains " + x);
            }
        }
    }

    private static void requireLength(double[] v, int length, String what) {
        if (v.length != length) {
            throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + length);
        }
    }

    private static void add(double[] into, double[] v) {
        for (int i = 0; i < v.length; i++) {
            into[i] += v[i];
        }
    }
}
