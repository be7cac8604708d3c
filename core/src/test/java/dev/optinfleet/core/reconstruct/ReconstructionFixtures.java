package dev.optinfleet.core.reconstruct;

import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;

import java.util.Random;

/** What the reconstruction tests build their cases from: a seeded mask of the tiny model, statistics from rows. */
final class ReconstructionFixtures {
    private ReconstructionFixtures() {
    }

    /** A mask keeping two heads per layer (one seeded, one fixed) and about half the neurons. */
    static UnitMask halfMask(ModelConfig config, long seed) {
        Random rnd = new Random(seed);
        boolean[][] heads = new boolean[config.numLayers()][config.numHeads()];
        boolean[][] neurons = new boolean[config.numLayers()][config.intermediateSize()];
        for (int l = 0; l < heads.length; l++) {
            heads[l][rnd.nextInt(4)] = true;
            heads[l][(l + 1) % 4] = true;
            for (int i = 0; i < neurons[l].length; i++) {
                neurons[l][i] = rnd.nextDouble() < 0.5;
            }
        }
        return new UnitMask(heads, neurons);
    }

    /** The sufficient statistics of token rows {@code h} [n, k] against targets {@code y} [n, d], summed naively. */
    static ProjectionStatistics statistics(double[][] h, double[][] y) {
        int k = h[0].length;
        int d = y[0].length;
        double[] g = new double[k * k];
        double[] c = new double[k * d];
        double[] sh = new double[k];
        double[] sy = new double[d];
        double q = 0;
        for (int t = 0; t < h.length; t++) {
            for (int i = 0; i < k; i++) {
                sh[i] += h[t][i];
                for (int j = 0; j < k; j++) {
                    g[i * k + j] += h[t][i] * h[t][j];
                }
                for (int j = 0; j < d; j++) {
                    c[i * d + j] += h[t][i] * y[t][j];
                }
            }
            for (int j = 0; j < d; j++) {
                sy[j] += y[t][j];
                q += y[t][j] * y[t][j];
            }
        }
        ProjectionStatistics s = new ProjectionStatistics(k, d);
        s.addBatch(g, c, sh, sy, q, h.length, "test");
        return s;
    }
}
