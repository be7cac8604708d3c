package dev.optinfleet.core.pipeline;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.reconstruct.Reconstruction;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Reconstructor;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With {@code reselect}, what a budget directory holds is the re-selected mask, its FLOPs and its weights. */
class JobOutputsReselectTest {
    private static final ModelConfig CONFIG = TinyModels.config();
    private static final Checkpoint DENSE = TinyModels.random(CONFIG, 11);
    private static final double BUDGET = 0.5;

    @Test
    void budgetDirectoryHoldsTheReselectedMaskWithinTheBudgetAndItsRefitWeights(@TempDir Path tmp) throws Exception {
        Random rnd = new Random(2);
        double[][] hs = new double[CONFIG.numLayers()][];
        double[][] ns = new double[CONFIG.numLayers()][];
        for (int l = 0; l < hs.length; l++) {
            hs[l] = rnd.doubles(CONFIG.numHeads()).toArray();
            ns[l] = rnd.doubles(CONFIG.intermediateSize()).toArray();
        }
        FlopModel flops = FlopModel.of(CONFIG, 9.0, DENSE.hasPooler());
        ScoresDocument scores = new ScoresDocument(ScoresDocument.SCHEMA_VERSION, DENSE.name(), DENSE.weightsSha256(),
                Map.of("scorer", "fisher"), 1.0, 9.0, new int[] {9},
                List.of(new UnitTermsMessage(0, "head", 0, new double[] {0}, new double[] {0})), hs, ns);
        TokenBatch batch = TinyModels.batch(12, 10, CONFIG.vocabSize(), 5);
        ReconstructionSettings settings = ReconstructionSettings.of(Repair.RESELECT);
        List<BudgetOutput> out = JobOutputs.writeBudgets(tmp, DENSE, null, scores, flops, List.of(BUDGET),
                new Repairing(settings, List.of(batch)));

        SolvedMask solved = new BudgetSolver(new UnitScores(hs, ns), flops).solve(BUDGET);
        Reconstruction r = Reconstructor.reconstruct(DENSE, solved.mask(), List.of(batch), settings);
        assertNotEquals(solved.mask(), r.mask(), "nothing was re-selected, so the test shows nothing");

        BudgetOutput o = out.get(0);
        MaskDocument doc = MaskJson.read(Files.readString(o.dir().resolve(JobOutputs.MASK_FILE)));
        UnitMask written = MaskDocuments.toUnitMask(doc, CONFIG);
        assertEquals(r.mask(), written, "mask.json holds the mask the weights belong to");
        assertEquals(r.mask(), o.solved().mask());
        assertEquals("reselect", doc.reconstruction().repair());
        assertTrue(doc.keptFraction() <= BUDGET * (1 + BudgetSolver.RELATIVE_TOLERANCE), doc.toString());
        assertEquals(flops.prunableMacs(r.mask()), doc.flops().prunableAfter(), 1e-6);
        assertEquals(o.report().keptFraction(), doc.keptFraction());
        double importance = 0;
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            for (int h : written.keptHeads(l)) {
                importance += hs[l][h];
            }
            for (int i : written.keptNeurons(l)) {
                importance += ns[l][i];
            }
        }
        assertEquals(importance, doc.keptImportance(), 1e-9);
        assertTrue(importance <= solved.keptImportance() + 1e-9, "the solver maximised the kept importance");

        Checkpoint onDisk = CheckpointLoader.load(o.dir());
        Checkpoint expected = CheckpointSlicer.slice(r.checkpoint(), r.mask());
        for (Map.Entry<String, FloatTensor> e : expected.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data(), onDisk.tensor(e.getKey()).data(), e.getKey());
        }
        for (int l = 0; l < CONFIG.numLayers(); l++) {
            assertEquals(written.keptHeads(l).length, onDisk.config().headsPerLayer()[l], "layer " + l);
        }
    }
}
