package dev.optinfleet.report;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.scores.ScoresDocument;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ReportData of the real MiniLM job: the numbers a reader sees are the ones the job wrote. */
class ReportDataTest {

    @Test
    void budgetRowsAreTheMasksTheSolverChose() {
        ReportData d = RealJob.data();
        List<BudgetOutput> written = RealJob.result().budgets();
        assertEquals(RealJob.BUDGETS, d.budgets().stream().map(BudgetSummary::budget).toList());
        for (int i = 0; i < written.size(); i++) {
            BudgetOutput w = written.get(i);
            BudgetSummary b = d.budgets().get(i);
            assertEquals(w.solved().keptHeads(), b.keptHeads());
            assertEquals(w.solved().keptNeurons(), b.keptNeurons());
            for (int l = 0; l < 6; l++) {
                assertEquals(w.solved().mask().keptHeads(l).length, b.headsPerLayer()[l], "layer " + l);
                assertEquals(w.solved().mask().keptNeurons(l).length, b.neuronsPerLayer()[l], "layer " + l);
            }
            assertEquals(w.report().keptFraction(), b.keptFraction());
            assertEquals(w.report().prunableAfter(), b.prunableMacsAfter());
            assertEquals(w.report().totalAfter(), b.totalMacsAfter());
            assertEquals(w.report().paramsAfter(), b.paramsAfter());
            assertEquals(72, b.totalHeads());
            assertEquals(6 * 1536, b.totalNeurons());
        }
    }

    @Test
    void prunableParametersAreWhatSlicingRemoves() {
        for (BudgetSummary b : RealJob.data().budgets()) {
            assertEquals(b.paramsBefore() - b.paramsAfter(), b.prunableParamsBefore() - b.prunableParamsAfter(),
                    "budget " + b.budget());
            assertTrue(b.prunableParamsAfter() < b.prunableParamsBefore());
        }
    }

    @Test
    void keptImportanceOfEachBudgetIsItsShareOfTheTotal() {
        ReportData d = RealJob.data();
        double total = d.path().totalImportance();
        double previous = 0;
        for (BudgetSummary b : d.budgets()) {
            assertEquals(b.keptImportance() / total, b.keptImportanceFraction());
            assertTrue(b.keptImportanceFraction() > previous && b.keptImportanceFraction() < 1);
            previous = b.keptImportanceFraction();
        }
    }

    @Test
    void identityAndSettingsComeFromTheScores() {
        ReportData d = RealJob.data();
        ScoresDocument s = RealJob.result().scores();
        assertEquals(s.modelName(), d.modelName());
        assertEquals(s.weightsSha256(), d.weightsSha256());
        assertEquals("fisher", d.scorer());
        assertEquals(s.settings(), d.settings());
        assertEquals(s.sampleLengths().length, d.samples());
        assertEquals(s.tokensPerSequence(), d.flops().tokensPerSequence());
        assertNull(d.timings());
        assertNull(d.evaluation());
        assertNull(d.jobId());
    }

    @Test
    void masksInAnyOrderAndRepeatedAreShownOnceAscending() {
        List<MaskDocument> masks = new ArrayList<>(RealJob.masks());
        masks.add(masks.get(0));
        java.util.Collections.reverse(masks);
        ReportData d = ReportData.from(RealJob.result().scores(), RealJob.dense(), masks, null, null);
        assertEquals(RealJob.BUDGETS, d.budgets().stream().map(BudgetSummary::budget).toList());
    }

    @Test
    void configAloneGivesTheSameUnitCountsAndPath() {
        ReportData byCheckpoint = RealJob.data();
        ReportData byConfig = ReportData.from(RealJob.result().scores(), RealJob.dense().config(), RealJob.masks(),
                null, null);
        assertEquals(byCheckpoint.path(), byConfig.path());
        for (int i = 0; i < byCheckpoint.budgets().size(); i++) {
            assertArrayEquals(byCheckpoint.budgets().get(i).headsPerLayer(), byConfig.budgets().get(i).headsPerLayer());
        }
    }

    @Test
    void rejectsACheckpointWithOtherWeightsNamingBothHashes() {
        ScoresDocument s = RealJob.result().scores();
        ScoresDocument other = withWeights(s, "0".repeat(64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportData.from(other, RealJob.dense(), List.of(), null, null));
        assertTrue(e.getMessage().contains("0".repeat(64)) && e.getMessage().contains(s.weightsSha256()),
                e.getMessage());
    }

    @Test
    void rejectsAMaskOfOtherWeightsNamingItsBudget() {
        ScoresDocument other = withWeights(RealJob.result().scores(), "a".repeat(64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportData.from(other, RealJob.dense().config(), RealJob.masks(), null, null));
        assertTrue(e.getMessage().contains("budget 0.3"), e.getMessage());
    }

    @Test
    void rejectsAMaskSolvedAtAnotherSequenceLength() {
        ScoresDocument s = RealJob.result().scores();
        ScoresDocument longer = new ScoresDocument(s.schemaVersion(), s.modelName(), s.weightsSha256(),
                s.settings(), s.outputWeight(), s.tokensPerSequence() * 2, s.sampleLengths(), s.terms(),
                s.headScores(), s.neuronScores());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportData.from(longer, RealJob.dense(), RealJob.masks(), null, null));
        assertTrue(e.getMessage().contains("tokens per sequence") && e.getMessage().contains("budget 0.3"),
                e.getMessage());
    }

    @Test
    void anExplicitCostModelTakesTheScoresSequenceLength() {
        Checkpoint dense = RealJob.dense();
        ReportData d = ReportData.from(RealJob.result().scores(), FlopModel.of(dense.config(), 128,
                dense.hasPooler()), RealJob.masks(), null, null);
        assertEquals(RealJob.result().scores().tokensPerSequence(), d.flops().tokensPerSequence());
        assertEquals(RealJob.data().path(), d.path());
    }

    @Test
    void evaluationIsSortedAndRejectsABudgetGivenTwice() {
        Evaluation e = new Evaluation("accuracy", null, 0.9, List.of(new Evaluation.Point(0.7, 0.8),
                new Evaluation.Point(0.5, 0.6)));
        assertEquals(List.of(0.5, 0.7), e.points().stream().map(Evaluation.Point::budget).toList());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> new Evaluation("accuracy", null, null, List.of(new Evaluation.Point(0.5, 0.6),
                        new Evaluation.Point(0.5, 0.7))));
        assertTrue(twice.getMessage().contains("0.5"), twice.getMessage());
    }

    @Test
    void timingsDeriveUnitsPerSecond() {
        Timings t = new Timings(4.0, 3, 100, List.of(new Timings.Worker("w1", 3, 100, 2.0)));
        assertEquals(25.0, t.unitsPerSecond());
        assertEquals(50.0, t.workers().get(0).unitsPerSecond());
        assertTrue(Double.isNaN(Timings.inProcess(0, 0, 0).unitsPerSecond()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Timings.Worker("w2", 1, 1, -1));
        assertTrue(e.getMessage().contains("w2"), e.getMessage());
    }

    @Test
    void budgetSummaryCopiesItsArrays() {
        BudgetSummary b = RealJob.data().budgets().get(0);
        int[] heads = b.headsPerLayer();
        int before = heads[0];
        heads[0] = -1;
        assertEquals(before, b.headsPerLayer()[0]);
        assertTrue(Arrays.stream(b.headsPerLayer()).allMatch(h -> h >= 0 && h <= 12));
    }

    private static ScoresDocument withWeights(ScoresDocument s, String sha) {
        return new ScoresDocument(s.schemaVersion(), s.modelName(), sha, s.settings(), s.outputWeight(),
                s.tokensPerSequence(), s.sampleLengths(), s.terms(), s.headScores(), s.neuronScores());
    }
}
