package dev.optinfleet.worker.scoring;

import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.TaskSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoringSpecsTest {

    @Test
    void nullFieldsTakeTheScorersDefaults() {
        assertEquals(ScoringSettings.defaults(ScorerKind.TRAJECTORY),
                ScoringSpecs.toSettings(ScoringSpec.of("trajectory")));
        assertEquals(ScoringSettings.defaults(ScorerKind.FISHER), ScoringSpecs.toSettings(ScoringSpec.of("fisher")));
        assertEquals(ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY),
                ScoringSpecs.toSettings(ScoringSpec.of("fisher_trajectory")));
    }

    @Test
    void everyNonNullFieldOverridesItsDefault() {
        ScoringSpec spec = new ScoringSpec("output", 64, 2.0, 0.25, 0.75, 0.5, 9L, 16, 4, 3, 2);
        ScoringSettings s = ScoringSpecs.toSettings(spec);
        assertEquals(new ScoringSettings(ScorerKind.OUTPUT, 64, 2.0, 0.25, 0.75, 0.5, 9L, 16, 4, 3, 2), s);
    }

    @Test
    void rejectsASpecWithoutScorer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScoringSpecs.toSettings(new ScoringSpec(null, null, null, null, null, null, null, null, null,
                        null, null)));
        assertTrue(e.getMessage().contains("scoring.scorer"), e.getMessage());
    }

    @Test
    void mapsTaskSpecsToCoreTasks() {
        assertEquals(new ScoringTask.UnitRange(2, 5, UnitKind.NEURON, 100, 50),
                ScoringSpecs.toTask(TaskSpec.unitRange(5, "neuron", 100, 50), 2, ScorerKind.TRAJECTORY));
        assertEquals(new ScoringTask.GradientBatch(1, 8, 16),
                ScoringSpecs.toTask(TaskSpec.gradientBatch(8, 16), 1, ScorerKind.FISHER));
        assertEquals(new ScoringTask.GradientBatch(0, 0, 4),
                ScoringSpecs.toTask(TaskSpec.gradientBatch(0, 4), 0, ScorerKind.FISHER_TRAJECTORY));
    }

    @Test
    void rejectsATaskTypeTheScorerCannotRun() {
        IllegalArgumentException unitRange = assertThrows(IllegalArgumentException.class,
                () -> ScoringSpecs.toTask(TaskSpec.unitRange(0, "head", 0, 1), 0, ScorerKind.FISHER));
        assertTrue(unitRange.getMessage().contains("fisher"), unitRange.getMessage());
        IllegalArgumentException gradient = assertThrows(IllegalArgumentException.class,
                () -> ScoringSpecs.toTask(TaskSpec.gradientBatch(0, 4), 0, ScorerKind.OUTPUT));
        assertTrue(gradient.getMessage().contains("gradient_batch"), gradient.getMessage());
    }
}
