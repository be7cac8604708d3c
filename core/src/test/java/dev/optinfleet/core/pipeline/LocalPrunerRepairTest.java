package dev.optinfleet.core.pipeline;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Reconstructor;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.testing.RealModels;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process pipeline on the real MiniLM: what a budget directory holds when the weights are repaired. */
class LocalPrunerRepairTest {
    private static final float FORWARD_TOLERANCE = 1e-4f;
    private static final double BUDGET = 0.5;

    @Test
    void prunedCheckpointIsTheMaskedModelWithRefitWeightsAndMaskJsonSaysHow(@TempDir Path tmp) throws Exception {
        Checkpoint dense = RealModels.miniLm();
        Path calibration = tmp.resolve("cal.jsonl");
        Files.writeString(calibration, RealModels.sentences().stream()
                .map(s -> "{\"text\": \"" + s.replace("\"", "\\\"") + "\"}").collect(Collectors.joining("\n")));
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.FISHER);
        LocalPruner.Result full = LocalPruner.run(new LocalPruner.Request(dense, RealModels.miniLmTokenizer(),
                List.of(calibration), List.of(BUDGET), settings, 256, 8, tmp.resolve("full"), MemoryBudget.detect(),
                ReconstructionSettings.of(Repair.FULL)), ScoringProgress.NONE);
        LocalPruner.Result none = LocalPruner.run(new LocalPruner.Request(dense, RealModels.miniLmTokenizer(),
                List.of(calibration), List.of(BUDGET), settings, 256, 8, tmp.resolve("none"), MemoryBudget.detect(),
                ReconstructionSettings.of(Repair.NONE)), ScoringProgress.NONE);

        Path dir = full.budgets().get(0).dir();
        MaskDocument doc = MaskJson.read(Files.readString(dir.resolve(JobOutputs.MASK_FILE)));
        MaskDocument plain = MaskJson.read(Files.readString(none.budgets().get(0).dir().resolve(JobOutputs.MASK_FILE)));
        assertEquals("full", doc.reconstruction().repair());
        assertEquals(ReconstructionSettings.DEFAULT_RELATIVE_RIDGE, doc.reconstruction().relativeRidge());
        assertEquals(2 * dense.config().numLayers(), doc.reconstruction().sublayers().size());
        assertEquals(MaskDocument.Reconstruction.none(), plain.reconstruction());
        assertArrayEquals(plain.heads(), doc.heads(), "repair must not change the mask");
        for (MaskDocument.Refit r : doc.reconstruction().sublayers()) {
            if (r.status().equals("refit")) {
                assertTrue(r.errorAfter() < r.errorBefore(), r.toString());
                assertTrue(r.lambda() > 0 && r.tokens() == doc.reconstruction().tokens(), r.toString());
            }
        }

        // the same reconstruction, run here on the tokens the pruner used, sliced: the written weights bit for bit
        List<TokenBatch> batches;
        try (TextTokenizer tokenizer = RealModels.miniLmTokenizerInstance()) {
            batches = List.of(CalibrationReader.read(calibration).tokenize(tokenizer, settings.maxSamples()));
        }
        assertEquals(batches.get(0).lengths().length, doc.reconstruction().samples());
        UnitMask mask = MaskDocuments.toUnitMask(doc, dense.config());
        Checkpoint refit = Reconstructor.reconstruct(dense, mask, batches, ReconstructionSettings.of(Repair.FULL))
                .checkpoint();
        Checkpoint written = CheckpointLoader.load(dir);
        Checkpoint expected = CheckpointSlicer.slice(refit, mask);
        for (Map.Entry<String, FloatTensor> e : expected.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data(), written.tensor(e.getKey()).data(), e.getKey());
        }
        Checkpoint unrepaired = CheckpointLoader.load(none.budgets().get(0).dir());
        String w2 = TensorNames.output(dense.config().numLayers() - 1, "weight");
        assertFalse(java.util.Arrays.equals(unrepaired.tensor(w2).data(), written.tensor(w2).data()));

        // and the written model computes what the dense model with the refit weights and the mask computes
        try (TextTokenizer tokenizer = RealModels.miniLmTokenizerInstance();
             Encoder masked = Encoder.load(refit); Encoder small = Encoder.load(written);
             NDManager scope = masked.newScope()) {
            TokenBatch other = CalibrationReader.read(calibration).tokenize(tokenizer, 6);
            EncoderOutput a = masked.forward(scope, other, MaskGates.of(scope, dense.config(), mask), false);
            EncoderOutput b = small.forward(scope, other, Gates.NONE, false);
            assertTrue(a.hidden().sub(b.hidden()).abs().max().getFloat() < FORWARD_TOLERANCE);
        }
    }
}
