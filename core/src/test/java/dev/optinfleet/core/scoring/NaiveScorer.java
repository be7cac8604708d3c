package dev.optinfleet.core.scoring;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

/**
 * The leave-one-out terms computed the slow, obvious way, written independently of {@link ExactScorer}: one unit
 * at a time, a full forward pass from layer 0 with the mask applied, no caching, no batching, and the Gram
 * matrices and divergences computed in plain Java doubles.
 */
final class NaiveScorer {
    private final Encoder encoder;
    private final TokenBatch batch;
    private final int[] rows;
    private final double[][][] teacherGrams;
    private final float[] teacherOutput;

    NaiveScorer(Encoder encoder, TokenBatch batch, int[] rows) {
        this.encoder = encoder;
        this.batch = batch;
        this.rows = rows;
        ModelConfig c = encoder.config();
        try (NDManager scope = encoder.newScope()) {
            EncoderOutput teacher = encoder.forward(scope, batch,
                    MaskGates.of(scope, c, UnitMask.all(c.numLayers(), c.numHeads(), c.intermediateSize())), true);
            teacherGrams = new double[c.numLayers()][][];
            for (int j = 0; j < c.numLayers(); j++) {
                teacherGrams[j] = gram(teacher.features().get(j).toFloatArray());
            }
            teacherOutput = teacher.output().toFloatArray();
        }
    }

    /** {feature term, output term} of removing one unit. */
    double[] terms(int layer, UnitKind kind, int unit) {
        ModelConfig c = encoder.config();
        UnitMask all = UnitMask.all(c.numLayers(), c.numHeads(), c.intermediateSize());
        UnitMask mask = kind == UnitKind.HEAD ? all.withoutHead(layer, unit) : all.withoutNeuron(layer, unit);
        try (NDManager scope = encoder.newScope()) {
            EncoderOutput student = encoder.forward(scope, batch, MaskGates.of(scope, c, mask), true);
            double feature = 0;
            for (int j = layer + 1; j < c.numLayers(); j++) {
                feature += distance(teacherGrams[j], gram(student.features().get(j).toFloatArray()));
            }
            if (layer == c.numLayers() - 1) {
                feature += distance(teacherGrams[layer], gram(student.features().get(layer).toFloatArray()));
            }
            return new double[] {feature, divergence(student.output().toFloatArray(), c.hasClassifier())};
        }
    }

    private double divergence(float[] student, boolean classifier) {
        int b = batch.size();
        int width = student.length / b;
        double total = 0;
        for (int r = 0; r < b; r++) {
            if (classifier) {
                double[] lt = logSoftmax(teacherOutput, r * width, width);
                double[] ls = logSoftmax(student, r * width, width);
                for (int k = 0; k < width; k++) {
                    total += Math.exp(lt[k]) * (lt[k] - ls[k]);
                }
            } else {
                for (int k = 0; k < width; k++) {
                    double diff = (double) student[r * width + k] - teacherOutput[r * width + k];
                    total += diff * diff;
                }
            }
        }
        return total;
    }

    private static double[] logSoftmax(float[] z, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, z[off + k]);
        }
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += Math.exp(z[off + k] - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            out[k] = z[off + k] - log;
        }
        return out;
    }

    private double[][] gram(float[] feature) {
        int d = feature.length / (batch.size() * batch.sequenceLength());
        double[][] unit = new double[rows.length][d];
        for (int i = 0; i < rows.length; i++) {
            double norm = 0;
            for (int k = 0; k < d; k++) {
                unit[i][k] = feature[rows[i] * d + k];
                norm += unit[i][k] * unit[i][k];
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < d; k++) {
                unit[i][k] /= norm;
            }
        }
        double[][] g = new double[rows.length][rows.length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows.length; j++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += unit[i][k] * unit[j][k];
                }
                g[i][j] = dot;
            }
        }
        return g;
    }

    private static double distance(double[][] a, double[][] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                double diff = a[i][j] - b[i][j];
                sum += diff * diff;
            }
        }
        return sum;
    }
}
