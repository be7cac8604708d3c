package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoringPlanTest {

    @ParameterizedTest
    @EnumSource(ScorerKind.class)
    void mergeOfAllPlannedTasksIsInvariantToOrderAndDuplicates(ScorerKind scorer) {
        ModelConfig config = TinyModels.config();
        TokenBatch[] shards = {TinyModels.batch(4, 8, config.vocabSize(), 1),
                TinyModels.batch(5, 7, config.vocabSize(), 2)};
        ScoringSettings settings = ScoringSettings.defaults(scorer).withTokenRows(20).withFisher(2, 2);
        List<ScoringTask> tasks = ScoringPlan.plan(config, settings, new int[] {4, 5}, 10, 3);
        List<java.util.Map.Entry<ScoringTask, List<UnitTerms>>> results = new ArrayList<>();
        try (Encoder enc = Encoder.load(TinyModels.random(config, 8))) {
            for (int s = 0; s < shards.length; s++) {
                try (TeacherPass teacher = new TeacherPass(enc, shards[s], settings)) {
                    for (ScoringTask t : tasks) {
                        if (t.shard() == s) {
                            results.add(java.util.Map.entry(t, TaskRunner.run(t, enc, shards[s], teacher, settings)));
                        }
                    }
                }
            }
        }
        TermTable forward = new TermTable(config);
        results.forEach(e -> assertTrue(forward.add(e.getKey(), e.getValue())));
        assertTrue(forward.isComplete(tasks));
        List<java.util.Map.Entry<ScoringTask, List<UnitTerms>>> shuffled = new ArrayList<>(results);
        Collections.shuffle(shuffled, new Random(3));
        TermTable other = new TermTable(config);
        shuffled.forEach(e -> other.add(e.getKey(), e.getValue()));
        // Redelivered results count once.
        shuffled.subList(0, 3).forEach(e -> assertFalse(other.add(e.getKey(), e.getValue())));
        ScoreCombiner.Combined a = ScoreCombiner.combine(forward, settings, true);
        ScoreCombiner.Combined b = ScoreCombiner.combine(other, settings, true);
        assertEquals(a.outputWeight(), b.outputWeight());
        for (int l = 0; l < config.numLayers(); l++) {
            assertArrayEquals(a.headScores()[l], b.headScores()[l]);
            assertArrayEquals(a.neuronScores()[l], b.neuronScores()[l]);
        }
        TermTable partial = new TermTable(config);
        results.subList(1, results.size()).forEach(e -> partial.add(e.getKey(), e.getValue()));
        assertFalse(partial.isComplete(tasks), "a missing task must show as incomplete");
    }
}
