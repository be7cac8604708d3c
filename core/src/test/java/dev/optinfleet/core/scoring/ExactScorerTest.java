package dev.optinfleet.core.scoring;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast exact scorer against the naive one on a small random model; the real-model check is in MiniLm tests. */
class ExactScorerTest {
    static final double RELATIVE = 1e-4;
    /*
     * The output term is a KL divergence of float32 logits: for a unit that barely moves the output (terms ~1e-5)
     * its resolution is ~1e-9 absolute, whatever the scorer, and summation order alone moves it by that much.
     */
    static final double KL_RESOLUTION = 2e-9;

    @Test
    void fastTermsEqualNaiveTermsForEveryUnitOfEveryLayer() {
        ModelConfig config = TinyModels.config();
        Checkpoint c = TinyModels.random(config, 21);
        TokenBatch batch = TinyModels.batch(6, 12, config.vocabSize(), 4);
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withTokenRows(40)
                .withUnitBatch(5);
        try (Encoder enc = Encoder.load(c); TeacherPass teacher = new TeacherPass(enc, batch, settings)) {
            NaiveScorer naive = new NaiveScorer(enc, batch, TokenSample.choose(batch, 40, settings.seed()));
            for (int l = 0; l < config.numLayers(); l++) {
                assertMatches(naive, ExactScorer.score(teacher, l, UnitKind.HEAD, 0, 4, settings));
                assertMatches(naive, ExactScorer.score(teacher, l, UnitKind.NEURON, 3, 17, settings));
            }
        }
    }

    @Test
    void largeShardsRunFewerRemovedUnitsPerPass() {
        assertEquals(16, ExactScorer.unitsPerPass(16, 2, 10), "a small shard takes the whole unit batch");
        assertEquals(5, ExactScorer.unitsPerPass(16, 8, 88), "8 x 88 tokens: 5 units fit 4096 token rows");
        assertEquals(1, ExactScorer.unitsPerPass(16, 32, 147), "a pass never has fewer than one unit");
    }

    static void assertMatches(NaiveScorer naive, UnitTerms fast) {
        for (int i = 0; i < fast.size(); i++) {
            double[] expected = naive.terms(fast.layer(), fast.kind(), fast.from() + i);
            String where = "layer " + fast.layer() + " " + fast.kind() + " " + (fast.from() + i);
            assertClose(expected[0], fast.feature(i), 0, where + " feature term");
            assertClose(expected[1], fast.output(i), KL_RESOLUTION, where + " output term");
            assertTrue(fast.output(i) > 0 && fast.feature(i) > 0, where + ": a removed unit must move the model");
        }
    }

    static void assertClose(double expected, double actual, double absolute, String what) {
        assertTrue(expected >= 0 && actual >= 0, what + " must be non-negative");
        double scale = Math.max(Math.abs(expected), 1e-12);
        assertEquals(expected, actual, RELATIVE * scale + absolute, what + ": relative error "
                + Math.abs(expected - actual) / scale);
    }
}
