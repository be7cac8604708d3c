package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.storage.S3Uri;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Completing requests and splitting them into tasks: pure functions, no broker. */
class CoordPlanningTest {
    private static final ModelConfig CONFIG = ModelConfig.dense("bert", 50, 16, 3, 4, 24, 32, 2, 1e-12,
            Pooling.CLS, 0, List.of());

    @Test
    void aMissingScoringSpecBecomesACompleteSpecOfTheDefaultScorer() {
        ScoringSpec spec = ScoringSpecs.complete(null);
        ScoringSettings d = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY);
        assertEquals("fisher_trajectory", spec.scorer());
        assertEquals(d.lambda(), spec.lambda());
        assertEquals(d.tokenRows(), spec.tokenRows());
        assertEquals(d.maxSamples(), spec.maxSamples());
        assertEquals(d.fisherProbes(), spec.fisherProbes());
        assertEquals(d.fisherBatch(), spec.fisherBatch());
        assertEquals(d.seed(), spec.seed());
        assertNull(spec.outputWeight(), "automatic output weight stays null");
        assertEquals(d, ScoringSpecs.toSettings(spec), "the completed spec means the defaults");
    }

    @Test
    void givenFieldsSurviveCompletionAndTheScorersDefaultsFillTheRest() {
        ScoringSpec spec = ScoringSpecs.complete(new ScoringSpec("trajectory", null, 4.0, 0.25, null, null, 7L, 32,
                null, null, null));
        assertEquals(4.0, spec.lambda());
        assertEquals(0.25, spec.outputWeight());
        assertEquals(7L, spec.seed());
        assertEquals(32, spec.maxSamples());
        assertEquals(0.5, spec.headMultiplier(), "trajectory's own default");
        assertEquals(ScoringSpecs.complete(spec), spec, "completing twice changes nothing");
    }

    @Test
    void taskIdsAreUniqueAndTheSameOnEveryPlan() {
        JobRequest request = request(new ScoringSpec("output", null, null, null, null, null, null, null, null, null,
                null), 10, null);
        JobInputs inputs = new JobInputs(CONFIG, new int[] {5, 3}, new int[] {4, 4, 4, 4, 4, 3, 3, 3});
        JobPlan first = TaskPlanner.plan("job-1", request, inputs);
        JobPlan again = TaskPlanner.plan("job-1", request, inputs);
        // Per shard and layer: one head task and ceil(24 / 10) = 3 neuron tasks.
        assertEquals(2 * 3 * 4, first.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < first.size(); i++) {
            assertTrue(ids.add(first.tasks().get(i).id()), "unique: " + first.tasks().get(i).id());
            assertEquals(first.tasks().get(i).id(), again.tasks().get(i).id());
        }
        assertTrue(ids.contains("s1-l2-neuron-20+4"), ids.toString());
        ScoringTaskMessage m = first.task("s1-l0-head-0+4").message();
        assertEquals(1, m.shardIndex());
        assertEquals("s3://bkt/cal/1.jsonl", m.shardUri());
        assertEquals("s3://bkt/m/tokenizer.json", m.tokenizerUri());
        assertEquals(2L * (3 * (4 + 24)), first.totalUnits(), "every unit once per shard");
    }

    @Test
    void fisherTasksSplitSamples() {
        JobPlan plan = TaskPlanner.plan("j", request(null, null, 2), new JobInputs(CONFIG, new int[] {5},
                new int[] {3, 3, 3, 3, 3}));
        assertEquals(List.of("s0-samples-0-2", "s0-samples-2-4", "s0-samples-4-5"),
                plan.tasks().stream().map(PlannedTask::id).toList());
        assertEquals(3L * 3 * (4 + 24), plan.totalUnits());
    }

    @Test
    void requestNamesDefaultToTheModelsFolderAndAreOneKeySegment() {
        assertEquals("models-minilm-1", RequestCompletion.name(null, S3Uri.parse("s3://bkt/models/minilm/1/model.onnx")));
        assertEquals("model", RequestCompletion.name(" ", S3Uri.parse("s3://bkt/model.onnx")));
        assertEquals("my-model-v2", RequestCompletion.name("my model/v2", S3Uri.parse("s3://bkt/m.onnx")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RequestCompletion.name("///", S3Uri.parse("s3://bkt/m.onnx")));
        assertTrue(e.getMessage().startsWith("name"), e.getMessage());
    }

    private static JobRequest request(ScoringSpec scoring, Integer neurons, Integer samples) {
        JobRequest r = new JobRequest(1, "n", "s3://bkt/m/model.onnx", "s3://bkt/m/tokenizer.json",
                List.of("s3://bkt/cal/0.jsonl", "s3://bkt/cal/1.jsonl"), List.of(0.5), ScoringSpecs.complete(scoring),
                neurons == null ? 256 : neurons, samples == null ? 16 : samples, "s3://bkt/out", null, "test");
        return r;
    }
}
