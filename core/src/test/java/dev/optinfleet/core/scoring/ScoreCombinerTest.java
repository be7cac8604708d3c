package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.testing.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreCombinerTest {
    private static final double EPS = 1e-12;
    private static final ModelConfig CONFIG = TinyModels.config(); // 3 layers, 4 heads, 24 neurons

    /** Feature term = 10 + index, output term = 1 for every unit: medians 10-something and 1. */
    private static TermTable table() {
        TermTable t = new TermTable(CONFIG);
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            t.add(new ScoringTask.UnitRange(0, l, UnitKind.HEAD, 0, 4), List.of(terms(l, UnitKind.HEAD, 4)));
            t.add(new ScoringTask.UnitRange(0, l, UnitKind.NEURON, 0, 24), List.of(terms(l, UnitKind.NEURON, 24)));
        }
        return t;
    }

    private static UnitTerms terms(int layer, UnitKind kind, int n) {
        double[] f = new double[n];
        double[] o = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = 10 + i;
            o[i] = 1;
        }
        return new UnitTerms(layer, kind, 0, f, o);
    }

    @Test
    void outputWeightMakesOutputTermOneLambdaOfTheFeatureMedian() {
        List<Double> features = new ArrayList<>();
        for (int l = 0; l < 3; l++) {
            for (int i = 0; i < 4; i++) {
                features.add(10.0 + i);
            }
            for (int i = 0; i < 24; i++) {
                features.add(10.0 + i);
            }
        }
        features.sort(Double::compare);
        double median = 0.5 * (features.get(features.size() / 2 - 1) + features.get(features.size() / 2));
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withLambda(4);
        ScoreCombiner.Combined c = ScoreCombiner.combine(table(), s, true);
        assertEquals(median / 4, c.outputWeight(), EPS);
        // Neuron 3 of layer 0: no multiplier.
        assertEquals(13 + c.outputWeight(), c.neuronScores()[0][3], EPS);
        // Head 1 of the last layer: x0.5 (head) x0.5 (last layer).
        assertEquals((11 + c.outputWeight()) * 0.25, c.headScores()[2][1], EPS);
    }

    @Test
    void trajectoryWithoutClassifierIsTheFeatureTermAlone() {
        ScoreCombiner.Combined c = ScoreCombiner.combine(table(), ScoringSettings.defaults(ScorerKind.TRAJECTORY),
                false);
        assertEquals(0.0, c.outputWeight());
        assertEquals(15.0, c.neuronScores()[1][5], EPS);
    }

    @Test
    void gradientTrajectoryKeepsTheOutputTermWithoutClassifier() {
        ScoreCombiner.Combined c = ScoreCombiner.combine(table(),
                ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY), false);
        assertTrue(c.outputWeight() > 0, "w was " + c.outputWeight());
        assertEquals(c.outputWeight(), ScoreCombiner.combine(table(),
                ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY), true).outputWeight());
    }

    @Test
    void outputAndFisherScoresIgnoreTheFeatureTerm() {
        for (ScorerKind k : new ScorerKind[] {ScorerKind.OUTPUT, ScorerKind.FISHER}) {
            ScoreCombiner.Combined c = ScoreCombiner.combine(table(), ScoringSettings.defaults(k), true);
            assertEquals(1.0, c.neuronScores()[2][20], EPS);
            assertEquals(1.0, c.headScores()[2][3], EPS);
        }
    }
}
