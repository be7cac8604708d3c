package dev.optinfleet.core.eval;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearProbeTest {
    /** Float32 head against double probe on the same float32 features: rounding of d = 16 products. */
    private static final double LOGIT_TOLERANCE = 1e-4;
    private static final List<String> LABELS = List.of("a", "b", "c");

    @Test
    void fitsLinearlySeparableProblemToFullTrainAccuracy() {
        int d = 8;
        int classes = 4;
        Random rnd = new Random(11);
        double[][] truth = gaussian(rnd, classes, d);
        float[][] x = new float[300][];
        int[] y = new int[x.length];
        for (int i = 0; i < x.length; ) {
            float[] v = new float[d];
            for (int j = 0; j < d; j++) {
                v[j] = (float) rnd.nextGaussian();
            }
            double[] s = scores(truth, v);
            int best = argmax(s);
            double second = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                if (c != best) {
                    second = Math.max(second, s[c]);
                }
            }
            if (s[best] - second < 0.3) {
                continue;
            }
            // Features on very different scales and offsets: standardisation has to handle them.
            for (int j = 0; j < d; j++) {
                v[j] = v[j] * (float) Math.pow(10, j % 3 - 1) + j;
            }
            x[i] = v;
            y[i++] = best;
        }
        LinearProbe probe = LinearProbe.fit(x, y, classes, LinearProbe.Settings.defaults().withL2(1e-5)
                .withMaxIterations(2000));

        assertEquals(1.0, probe.accuracy(x, y), "iterations " + probe.iterations() + ", loss " + probe.loss());
        assertTrue(probe.loss() < 0.1, "loss " + probe.loss());
    }

    @Test
    void fitConvergesAndIsDeterministic() {
        Random rnd = new Random(3);
        float[][] x = new float[50][5];
        int[] y = new int[50];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 5; j++) {
                x[i][j] = (float) rnd.nextGaussian();
            }
            y[i] = rnd.nextInt(3);
        }
        LinearProbe a = LinearProbe.fit(x, y, 3, LinearProbe.Settings.defaults());
        LinearProbe b = LinearProbe.fit(x, y, 3, LinearProbe.Settings.defaults());
        assertTrue(Arrays.deepEquals(a.weight(), b.weight()));
        assertArrayEquals(a.bias(), b.bias());
        assertTrue(a.iterations() < LinearProbe.Settings.defaults().maxIterations(),
                "stopped by tolerance, not by the iteration cap: " + a.iterations());
    }

    @Test
    void exportedHeadGivesTheProbesPredictionsThroughEncoderLogits() {
        ModelConfig encoderOnly = ModelConfig.dense("bert", 50, 16, 3, 4, 24, 32, 2, 1e-12, Pooling.MEAN, 0,
                List.of());
        Checkpoint base = TinyModels.random(encoderOnly, 5);
        TokenBatch tokens = TinyModels.batch(60, 10, encoderOnly.vocabSize(), 8);
        FeatureExtractor extractor = FeatureExtractor.forTokenBatches(7);
        float[][] features;
        try (Encoder enc = Encoder.load(base)) {
            features = extractor.pooled(enc, null, tokens);
        }
        assertEquals(60, features.length);
        assertEquals(16, features[0].length);
        // Labels from a random linear rule on the encoder's own features: separable by construction.
        double[][] rule = gaussian(new Random(9), LABELS.size(), 16);
        int[] y = new int[features.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = argmax(scores(rule, features[i]));
        }
        LinearProbe probe = LinearProbe.fit(features, y, LABELS.size(), LinearProbe.Settings.defaults());
        assertTrue(probe.accuracy(features, y) >= 0.95, "train accuracy " + probe.accuracy(features, y));

        Checkpoint headed = probe.withHead(base, Pooling.MEAN, LABELS);
        assertEquals(LABELS.size(), headed.config().numLabels());
        assertEquals(LABELS, headed.config().labels());
        assertEquals(Pooling.MEAN, headed.config().pooling());
        assertArrayEquals(new long[] {3, 16}, headed.tensor(TensorNames.CLASSIFIER_WEIGHT).shape());
        assertArrayEquals(new long[] {3}, headed.tensor(TensorNames.CLASSIFIER_BIAS).shape());

        double[][] expected = probe.logits(features);
        try (Encoder enc = Encoder.load(headed)) {
            float[][] logits = extractor.logits(enc, null, tokens);
            for (int i = 0; i < logits.length; i++) {
                for (int c = 0; c < LABELS.size(); c++) {
                    assertEquals(expected[i][c], logits[i][c], LOGIT_TOLERANCE, "row " + i + ", class " + c);
                }
            }
            assertArrayEquals(probe.predict(features), new Evaluator(extractor).predict(enc, null, tokens));
        }
    }

    @Test
    void withHeadRejectsAProbeOfAnotherWidth() {
        float[][] x = {{0, 1}, {1, 0}};
        LinearProbe probe = LinearProbe.fit(x, new int[] {0, 1}, 2, LinearProbe.Settings.defaults());
        Checkpoint base = TinyModels.random(TinyModels.config(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> probe.withHead(base, Pooling.MEAN, List.of("x", "y")));
        assertTrue(e.getMessage().contains("2 inputs") && e.getMessage().contains("hidden size 16"),
                e.getMessage());
    }

    private static double[][] gaussian(Random rnd, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        return m;
    }

    private static double[] scores(double[][] w, float[] x) {
        double[] s = new double[w.length];
        for (int c = 0; c < w.length; c++) {
            for (int j = 0; j < x.length; j++) {
                s[c] += w[c][j] * x[j];
            }
        }
        return s;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
