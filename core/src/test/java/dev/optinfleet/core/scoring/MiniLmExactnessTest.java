package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.testing.RealModels;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, "Exactness": on the real MiniLM with 8 real samples, the fast exact scorer equals the naive one within
 * 1e-4 relative for one layer's heads and a few hundred neurons.
 */
class MiniLmExactnessTest {

    @Test
    void fastScorerEqualsNaiveScorerOnRealModel() {
        TokenBatch batch;
        try (TextTokenizer tokenizer = RealModels.miniLmTokenizerInstance()) {
            batch = tokenizer.encode(RealModels.sentences().subList(0, 8));
        }
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withUnitBatch(32);
        try (Encoder enc = Encoder.load(RealModels.miniLm());
             TeacherPass teacher = new TeacherPass(enc, batch, settings)) {
            NaiveScorer naive = new NaiveScorer(enc, batch, TokenSample.choose(batch, settings.tokenRows(),
                    settings.seed()));
            ExactScorerTest.assertMatches(naive, ExactScorer.score(teacher, 2, UnitKind.HEAD, 0, 12, settings));
            ExactScorerTest.assertMatches(naive, ExactScorer.score(teacher, 4, UnitKind.NEURON, 100, 256, settings));
            ExactScorerTest.assertMatches(naive, ExactScorer.score(teacher, 5, UnitKind.NEURON, 0, 64, settings));
        }
    }
}
