package dev.optinfleet.core.reconstruct;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.Arrays;

/**
 * Re-selection of one sublayer's kept units on the repaired model ({@link Repair#RESELECT}): which {@code keep}
 * of its units (heads: groups of d_h context columns; neurons: single columns) to keep so that the refit that
 * follows reconstructs the dense target best. The criterion is the increase of the refit's own objective when a
 * unit is removed, in closed form from the statistics {@link ProjectionStatistics} already accumulates; units are
 * removed greedily, one at a time, from all of the sublayer's units down to {@code keep}.
 *
 * <p>With all N input columns H [n, N] of the sublayer on the repaired (student) input, targets Y, the bias folded
 * in as a column of ones and the ridge term around the current weights W0, the refit minimises over θ = [W; bᵀ]
 * <pre>
 *   J(θ) = ||H W + 1 bᵀ - Y||² + lambda ||W - W0||²  =  tr(θᵀ A θ) - 2 tr(θᵀ B) + q + lambda ||W0||²
 *   A = [ G + lambda I   s_H ]      B = [ C + lambda W0 ]      θ* = A⁻¹ B,  P = A⁻¹
 *       [ s_Hᵀ           n   ]          [ s_Yᵀ          ]
 * </pre>
 * (G = HᵀH, C = HᵀY, s_H, s_Y column sums, q = Σ Y²). Removing a unit u with columns S means re-solving with θ_S
 * fixed at 0 and without its ridge term. The minimum of a quadratic under θ_S = 0 rises by the Schur complement
 * term (the "optimal brain surgeon" step, exact for a quadratic), and dropping the unit's ridge term takes off
 * lambda ||W0_S||², so the increase of the optimal objective is
 * <pre>
 *   ΔJ_u = tr( θ*_Sᵀ (P_SS)⁻¹ θ*_S ) - lambda ||W0_S||²            (one neuron: ||θ*_i||² / P_ii - lambda ||W0_i||²)
 * </pre>
 * and the re-solved weights and inverse over the remaining columns R follow without a new solve:
 * <pre>
 *   θ*_R ← θ*_R - P_RS (P_SS)⁻¹ θ*_S,     P_RR ← P_RR - P_RS (P_SS)⁻¹ P_SR
 * </pre>
 * Each step removes the unit with the smallest ΔJ (ties: the lowest index). The bias row is never removed. lambda
 * is fixed for the whole elimination at alpha · trace(G) / N of the full sublayer (the final refit over the kept
 * columns then uses its own alpha · trace(G_K) / k, as {@link Repair#FULL} does).
 *
 * <p>The score is local: it measures what the unit's removal costs this sublayer's least-squares reconstruction
 * after refitting, not its effect on the layers above or on the task (K-prune adds a gradient term for that).
 *
 * <p>Cost: one inversion of the (N + 1)² matrix, then per removed unit O(N·d + N²) (BERT-base FFN: N = 3072).
 * Memory: P and θ, (N + 1)² + (N + 1)·d doubles.
 */
final class UnitReselection {
    private final int n; // columns, without the bias
    private final int d;
    private final int[][] groups;
    private final double lambda;
    private final double[] w0;
    private final double[] p; // [(n+1)^2] inverse of A over all columns, rows/columns of removed ones stale
    private final double[] theta; // [(n+1)·d]
    private final boolean[] removed; // per group

    /**
     * @param stats  statistics over all N columns of the sublayer
     * @param w0     the current weights of all N columns, [N·d] row-major (in, out)
     * @param lambda the ridge term, > 0
     * @param groups each unit's columns (disjoint, covering any subset of [0, N))
     */
    UnitReselection(ProjectionStatistics stats, double[] w0, double lambda, int[][] groups) {
        this.n = stats.inputs();
        this.d = stats.outputs();
        if (w0.length != n * d) {
            throw new IllegalArgumentException("w0 has " + w0.length + " values, expected " + n * d);
        }
        if (!(lambda > 0 && Double.isFinite(lambda))) {
            throw new IllegalArgumentException("the ridge term must be finite and > 0, was " + lambda);
        }
        if (stats.tokens() == 0) {
            throw new IllegalStateException("no calibration tokens were added");
        }
        this.w0 = w0;
        this.lambda = lambda;
        this.groups = groups;
        this.removed = new boolean[groups.length];
        int m = n + 1;
        double[] gram = stats.gram();
        double[] sumH = stats.sumH();
        double[] cross = stats.cross();
        double[] sumY = stats.sumY();
        DMatrixRMaj a = new DMatrixRMaj(m, m);
        DMatrixRMaj rhs = new DMatrixRMaj(m, d);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a.set(i, j, gram[i * n + j] + (i == j ? lambda : 0));
            }
            a.set(i, n, sumH[i]);
            a.set(n, i, sumH[i]);
            for (int j = 0; j < d; j++) {
                rhs.set(i, j, cross[i * d + j] + lambda * w0[i * d + j]);
            }
        }
        a.set(n, n, stats.tokens());
        for (int j = 0; j < d; j++) {
            rhs.set(n, j, sumY[j]);
        }
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(m);
        if (!chol.setA(a)) {
            throw new IllegalStateException("the regularised normal equations of the full sublayer are not positive"
                    + " definite (" + stats.tokens() + " tokens, " + n + " inputs, lambda " + lambda + ")");
        }
        DMatrixRMaj inverse = new DMatrixRMaj(m, m);
        chol.invert(inverse);
        DMatrixRMaj t = new DMatrixRMaj(m, d);
        CommonOps_DDRM.mult(inverse, rhs, t);
        this.p = inverse.data;
        this.theta = t.data;
        for (double v : theta) {
            if (!Double.isFinite(v)) {
                throw new IllegalStateException("the full sublayer's solution is not finite (" + stats.tokens()
                        + " tokens, " + n + " inputs, lambda " + lambda + ")");
            }
        }
    }

    /** Columns h·d_h .. h·d_h + d_h - 1 of each of H heads. */
    static int[][] headGroups(int heads, int dh) {
        int[][] g = new int[heads][dh];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < dh; j++) {
                g[h][j] = h * dh + j;
            }
        }
        return g;
    }

    /** One column per neuron. */
    static int[][] neuronGroups(int neurons) {
        int[][] g = new int[neurons][1];
        for (int i = 0; i < neurons; i++) {
            g[i][0] = i;
        }
        return g;
    }

    /** ΔJ_u of removing each group still kept (NaN for removed ones), from the current solution. */
    double[] removalIncreases() {
        double[] out = new double[groups.length];
        for (int u = 0; u < groups.length; u++) {
            out[u] = removed[u] ? Double.NaN : increase(groups[u]);
        }
        return out;
    }

    /**
     * Removes groups greedily (smallest ΔJ first) until {@code keep} remain; returns the kept group indices,
     * ascending.
     */
    int[] keep(int keep) {
        int alive = 0;
        for (boolean r : removed) {
            alive += r ? 0 : 1;
        }
        if (keep < 0 || keep > alive) {
            throw new IllegalArgumentException("cannot keep " + keep + " of " + alive + " units");
        }
        while (alive > keep) {
            int best = -1;
            double bestScore = Double.POSITIVE_INFINITY;
            for (int u = 0; u < groups.length; u++) {
                if (!removed[u]) {
                    double s = increase(groups[u]);
                    if (best < 0 || s < bestScore) {
                        best = u;
                        bestScore = s;
                    }
                }
            }
            remove(best);
            alive--;
        }
        int[] kept = new int[keep];
        int i = 0;
        for (int u = 0; u < groups.length; u++) {
            if (!removed[u]) {
                kept[i++] = u;
            }
        }
        return kept;
    }

    /** The current solution θ* over all columns ([N + 1]·d; rows of removed columns are 0). */
    double[] solution() {
        double[] out = theta.clone();
        for (int u = 0; u < groups.length; u++) {
            if (removed[u]) {
                for (int c : groups[u]) {
                    Arrays.fill(out, c * d, (c + 1) * d, 0);
                }
            }
        }
        return out;
    }

    private double increase(int[] s) {
        int g = s.length;
        int m = n + 1;
        double penalty = 0;
        for (int c : s) {
            for (int j = 0; j < d; j++) {
                double w = w0[c * d + j];
                penalty += w * w;
            }
        }
        if (g == 1) {
            int c = s[0];
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double t = theta[c * d + j];
                sq += t * t;
            }
            return sq / p[c * m + c] - lambda * penalty;
        }
        DMatrixRMaj pss = new DMatrixRMaj(g, g);
        DMatrixRMaj ts = new DMatrixRMaj(g, d);
        block(s, pss, ts);
        // tr(θ_Sᵀ P_SS⁻¹ θ_S) = Σ θ_S ∘ (P_SS⁻¹ θ_S)
        DMatrixRMaj x = new DMatrixRMaj(g, d);
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(g);
        if (!chol.setA(pss)) {
            throw new IllegalStateException("a block of the inverse normal matrix is not positive definite");
        }
        chol.solve(ts.copy(), x);
        double q = 0;
        for (int i = 0; i < ts.data.length; i++) {
            q += ts.data[i] * x.data[i];
        }
        return q - lambda * penalty;
    }

    private void block(int[] s, DMatrixRMaj pss, DMatrixRMaj ts) {
        int m = n + 1;
        for (int a = 0; a < s.length; a++) {
            for (int b = 0; b < s.length; b++) {
                pss.set(a, b, p[s[a] * m + s[b]]);
            }
            for (int j = 0; j < d; j++) {
                ts.set(a, j, theta[s[a] * d + j]);
            }
        }
    }

    /** θ_R -= P_RS P_SS⁻¹ θ_S and P_RR -= P_RS P_SS⁻¹ P_SR over the rows still alive (bias row included). */
    private void remove(int u) {
        int[] s = groups[u];
        int g = s.length;
        int m = n + 1;
        removed[u] = true;
        boolean[] dead = new boolean[m];
        for (int v = 0; v < groups.length; v++) {
            if (removed[v]) {
                for (int c : groups[v]) {
                    dead[c] = true;
                }
            }
        }
        int[] alive = new int[m];
        int na = 0;
        for (int r = 0; r < m; r++) {
            if (!dead[r]) {
                alive[na++] = r;
            }
        }
        // K = P_RS P_SS⁻¹ [na, g]
        DMatrixRMaj pss = new DMatrixRMaj(g, g);
        DMatrixRMaj ts = new DMatrixRMaj(g, d);
        block(s, pss, ts);
        DMatrixRMaj pssInv = new DMatrixRMaj(g, g);
        if (g == 1) {
            pssInv.set(0, 0, 1 / pss.get(0, 0));
        } else {
            LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(g);
            if (!chol.setA(pss)) {
                throw new IllegalStateException("a block of the inverse normal matrix is not positive definite");
            }
            chol.invert(pssInv);
        }
        double[] k = new double[na * g];
        for (int ai = 0; ai < na; ai++) {
            int r = alive[ai];
            for (int b = 0; b < g; b++) {
                double v = 0;
                for (int a = 0; a < g; a++) {
                    v += p[r * m + s[a]] * pssInv.get(a, b);
                }
                k[ai * g + b] = v;
            }
        }
        // P_SR rows (copied before P changes)
        double[] psr = new double[g * na];
        for (int a = 0; a < g; a++) {
            for (int bi = 0; bi < na; bi++) {
                psr[a * na + bi] = p[s[a] * m + alive[bi]];
            }
        }
        for (int ai = 0; ai < na; ai++) {
            int r = alive[ai];
            for (int a = 0; a < g; a++) {
                double ka = k[ai * g + a];
                if (ka == 0) {
                    continue;
                }
                int row = r * m;
                int src = a * na;
                for (int bi = 0; bi < na; bi++) {
                    p[row + alive[bi]] -= ka * psr[src + bi];
                }
                int trow = r * d;
                int srow = s[a] * d;
                for (int j = 0; j < d; j++) {
                    theta[trow + j] -= ka * theta[srow + j];
                }
            }
        }
    }
}
