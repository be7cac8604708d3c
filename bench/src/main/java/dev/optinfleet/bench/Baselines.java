package dev.optinfleet.bench;

import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorNames;

import java.util.Random;

/** Scores that use no data, as floors for the quality benchmark: weight magnitude and random. */
final class Baselines {
    private Baselines() {
    }

    /**
     * Head: squared norm of its Q/K/V rows and output-projection columns. Neuron: ‖W_1 row‖ · ‖W_2 column‖, the
     * scale of what it can add to the layer's output.
     */
    static UnitScores magnitude(Checkpoint c) {
        ModelConfig cfg = c.config();
        int dh = cfg.headDim();
        int d = cfg.hiddenSize();
        int f = cfg.intermediateSize();
        double[][] heads = new double[cfg.numLayers()][cfg.numHeads()];
        double[][] neurons = new double[cfg.numLayers()][f];
        for (int l = 0; l < cfg.numLayers(); l++) {
            float[] q = c.tensor(TensorNames.query(l, "weight")).data();
            float[] k = c.tensor(TensorNames.key(l, "weight")).data();
            float[] v = c.tensor(TensorNames.value(l, "weight")).data();
            float[] o = c.tensor(TensorNames.attentionOutput(l, "weight")).data(); // [d, H·dh]
            for (int h = 0; h < cfg.numHeads(); h++) {
                double sum = 0;
                for (int r = h * dh; r < (h + 1) * dh; r++) {
                    for (int i = 0; i < d; i++) {
                        sum += q[r * d + i] * q[r * d + i] + k[r * d + i] * k[r * d + i] + v[r * d + i] * v[r * d + i];
                        sum += o[i * d + r] * o[i * d + r];
                    }
                }
                heads[l][h] = sum;
            }
            float[] w1 = c.tensor(TensorNames.intermediate(l, "weight")).data(); // [F, d]
            float[] w2 = c.tensor(TensorNames.output(l, "weight")).data(); // [d, F]
            for (int n = 0; n < f; n++) {
                double in = 0;
                double out = 0;
                for (int i = 0; i < d; i++) {
                    in += w1[n * d + i] * w1[n * d + i];
                    out += w2[i * f + n] * w2[i * f + n];
                }
                neurons[l][n] = Math.sqrt(in * out);
            }
        }
        return new UnitScores(heads, neurons);
    }

    static UnitScores random(ModelConfig cfg, long seed) {
        Random rnd = new Random(seed);
        double[][] heads = new double[cfg.numLayers()][cfg.numHeads()];
        double[][] neurons = new double[cfg.numLayers()][cfg.intermediateSize()];
        for (int l = 0; l < cfg.numLayers(); l++) {
            for (int h = 0; h < cfg.numHeads(); h++) {
                heads[l][h] = rnd.nextDouble();
            }
            for (int n = 0; n < cfg.intermediateSize(); n++) {
                neurons[l][n] = rnd.nextDouble();
            }
        }
        return new UnitScores(heads, neurons);
    }
}
