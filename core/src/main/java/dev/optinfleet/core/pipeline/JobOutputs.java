package dev.optinfleet.core.pipeline;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointHeader;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.checkpoint.onnx.OnnxExporter;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.flops.FlopReport;
import dev.optinfleet.core.io.AtomicFiles;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.prune.StreamingSlicer;
import dev.optinfleet.core.reconstruct.Reconstruction;
import dev.optinfleet.core.reconstruct.ReconstructionRecords;
import dev.optinfleet.core.reconstruct.Reconstructor;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.scoring.ScoreCombiner;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.task.UnitTermsMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end of every job, local or on the fleet: merged terms -> scores.json; for each budget the solved mask
 * (mask.json) and the physically smaller checkpoint, with its kept weights repaired by least-squares
 * reconstruction unless the repair is {@code none}, and its ONNX export, in {@code out/budget-<b>/}.
 */
public final class JobOutputs {
    public static final String SCORES_FILE = "scores.json";
    public static final String MASK_FILE = "mask.json";

    private JobOutputs() {
    }

    /** The scores document of a complete term table. */
    public static ScoresDocument scores(Checkpoint dense, ScoringSettings settings, TermTable table,
                                        int[] sampleLengths, FlopModel flops) {
        return scores(DenseModel.of(dense), settings, table, sampleLengths, flops);
    }

    /** As {@link #scores(Checkpoint, ScoringSettings, TermTable, int[], FlopModel)}; needs no weight in memory. */
    public static ScoresDocument scores(DenseModel dense, ScoringSettings settings, TermTable table,
                                        int[] sampleLengths, FlopModel flops) {
        ScoreCombiner.Combined combined = ScoreCombiner.combine(table, settings, dense.config().hasClassifier());
        List<UnitTermsMessage> terms = new ArrayList<>();
        for (UnitTerms t : table.toTerms()) {
            terms.add(toMessage(t));
        }
        return new ScoresDocument(ScoresDocument.SCHEMA_VERSION, dense.name(), dense.weightsSha256(),
                settingsWithWeight(settings, combined.outputWeight()), combined.outputWeight(),
                flops.tokensPerSequence(), sampleLengths, terms, combined.headScores(), combined.neuronScores());
    }

    public static UnitTermsMessage toMessage(UnitTerms t) {
        return new UnitTermsMessage(t.layer(), t.kind() == UnitKind.HEAD ? "head" : "neuron", t.from(), t.feature(),
                t.output());
    }

    public static UnitTerms fromMessage(UnitTermsMessage m) {
        return new UnitTerms(m.layer(), "head".equals(m.kind()) ? UnitKind.HEAD : UnitKind.NEURON, m.from(),
                m.feature(), m.output());
    }

    /** The settings as recorded, with the output weight that was actually used. */
    public static Map<String, Object> settingsWithWeight(ScoringSettings settings, double outputWeight) {
        Map<String, Object> m = new LinkedHashMap<>(settings.describe());
        m.put("output_weight", outputWeight);
        return m;
    }

    public static void writeScores(ScoresDocument scores, Path out) {
        writeAtomically(out.resolve(SCORES_FILE), Json.writePretty(scores));
    }

    public static ScoresDocument readScores(Path file) {
        try {
            return Json.read(Files.readString(file), ScoresDocument.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Solves one budget from stored scores: milliseconds, no model needed. */
    public static SolvedMask solve(ScoresDocument scores, FlopModel flops, double budget) {
        return new BudgetSolver(new UnitScores(scores.headScores(), scores.neuronScores()), flops).solve(budget);
    }

    /**
     * For each budget: solves, repairs the kept weights as {@code repairing} says (least-squares reconstruction on
     * the calibration shards, see {@link Reconstructor}), writes the sliced checkpoint carrying the repaired weights
     * (config.json, model.safetensors and the tokenizer when given), its ONNX export ({@code model.onnx}, see
     * {@link OnnxExporter}) and mask.json (with the reconstruction record) into {@code out/budget-<b>/}; mask.json
     * goes last, so a budget with a mask.json is complete. The dense model is loaded once for all budgets.
     */
    public static List<BudgetOutput> writeBudgets(Path out, Checkpoint dense, Path tokenizer, ScoresDocument scores,
                                                  FlopModel flops, List<Double> budgets, Repairing repairing) {
        return writeBudgets(out, DenseModel.of(dense), tokenizer, scores, flops, budgets, repairing);
    }

    /**
     * As {@link #writeBudgets(Path, Checkpoint, Path, ScoresDocument, FlopModel, List, Repairing)}, the same files.
     * A dense model known by its headers and repair {@code none} is sliced from its file to the output
     * ({@link StreamingSlicer}: memory does not grow with the dense model), and the sliced model alone is read
     * back for its ONNX export (which holds it, float32, and its encoded graph: about twice its size). Any other
     * repair runs the dense model, so it is loaded ({@link DenseModel#checkpoint()}) and the engine holds a copy.
     */
    public static List<BudgetOutput> writeBudgets(Path out, DenseModel model, Path tokenizer, ScoresDocument scores,
                                                  FlopModel flops, List<Double> budgets, Repairing repairing) {
        if (repairing.repair() == Repair.NONE && model.header().isPresent()) {
            return streamBudgets(out, model.header().get(), tokenizer, scores, flops, budgets);
        }
        Checkpoint dense = model.checkpoint();
        BudgetSolver solver = new BudgetSolver(new UnitScores(scores.headScores(), scores.neuronScores()), flops);
        String scorer = String.valueOf(scores.settings().get("scorer"));
        List<BudgetOutput> outputs = new ArrayList<>();
        try (Encoder encoder = repairing.repair() == Repair.NONE ? null : Encoder.load(dense)) {
            for (double budget : budgets) {
                SolvedMask solved = solver.solve(budget);
                Checkpoint weights = dense;
                Reconstruction r = null;
                if (encoder != null) {
                    r = Reconstructor.reconstruct(encoder, dense, solved.mask(), repairing.calibration(),
                            repairing.settings());
                    weights = r.checkpoint();
                    // re-selection may keep other units (same per-layer counts): the mask written, sliced and
                    // reported is the one the refit weights belong to
                    solved = applied(solved, r.mask(), scores, flops);
                }
                FlopReport report = flops.report(solved.mask());
                MaskDocument doc = MaskDocuments.of(dense.name(), scores.weightsSha256(), solved, report, scorer,
                        scores.settings());
                if (r != null) {
                    doc = doc.withReconstruction(ReconstructionRecords.of(r));
                }
                Path dir = out.resolve(budgetDirName(budget));
                Checkpoint pruned = CheckpointSlicer.slice(weights, solved.mask()).named(dense.name() + "-pruned-"
                        + budgetLabel(budget));
                CheckpointWriter.write(pruned, dir, tokenizer);
                // The ONNX graph is made from the very checkpoint written beside it, refit weights included.
                OnnxExporter.export(pruned, dir);
                writeAtomically(dir.resolve(MASK_FILE), MaskJson.write(doc));
                outputs.add(new BudgetOutput(budget, dir, solved, report, doc));
            }
        }
        return outputs;
    }

    private static List<BudgetOutput> streamBudgets(Path out, CheckpointHeader dense, Path tokenizer,
                                                    ScoresDocument scores, FlopModel flops, List<Double> budgets) {
        BudgetSolver solver = new BudgetSolver(new UnitScores(scores.headScores(), scores.neuronScores()), flops);
        String scorer = String.valueOf(scores.settings().get("scorer"));
        List<BudgetOutput> outputs = new ArrayList<>();
        for (double budget : budgets) {
            SolvedMask solved = solver.solve(budget);
            FlopReport report = flops.report(solved.mask());
            MaskDocument doc = MaskDocuments.of(dense.name(), scores.weightsSha256(), solved, report, scorer,
                    scores.settings());
            Path dir = out.resolve(budgetDirName(budget));
            StreamingSlicer.slice(dense, solved.mask(), dir, tokenizer);
            OnnxExporter.export(HfCheckpointReader.read(dir, dense.name() + "-pruned-" + budgetLabel(budget)), dir);
            writeAtomically(dir.resolve(MASK_FILE), MaskJson.write(doc));
            outputs.add(new BudgetOutput(budget, dir, solved, report, doc));
        }
        return outputs;
    }

    /**
     * The solved mask replaced by the one reconstruction applied, when they differ: its kept fraction from
     * {@code flops} and its kept importance as the sum of the scorer's scores over the units now kept (so it is
     * at most the solver's, which maximised it).
     *
     * @throws IllegalStateException when the applied mask costs more than the budget allows (re-selection keeps
     *                               the per-layer counts, so this would be a bug)
     */
    static SolvedMask applied(SolvedMask solved, UnitMask mask, ScoresDocument scores, FlopModel flops) {
        if (mask.equals(solved.mask())) {
            return solved;
        }
        double fraction = flops.report(mask).keptFraction();
        if (fraction > solved.budget() * (1 + BudgetSolver.RELATIVE_TOLERANCE)) {
            throw new IllegalStateException("the re-selected mask keeps " + fraction + " of the prunable FLOPs,"
                    + " over the budget " + solved.budget());
        }
        double importance = 0;
        for (int l = 0; l < mask.layers(); l++) {
            for (int h : mask.keptHeads(l)) {
                importance += scores.headScores()[l][h];
            }
            for (int i : mask.keptNeurons(l)) {
                importance += scores.neuronScores()[l][i];
            }
        }
        return new SolvedMask(mask, solved.budget(), fraction, importance, mask.keptHeadCount(),
                mask.keptNeuronCount());
    }

    /** "budget-0.6" for 0.6, "budget-0.455" for 0.455. */
    public static String budgetDirName(double budget) {
        return "budget-" + budgetLabel(budget);
    }

    public static String budgetLabel(double budget) {
        return BigDecimal.valueOf(budget).stripTrailingZeros().toPlainString();
    }

    private static void writeAtomically(Path file, String content) {
        AtomicFiles.writeString(file, content);
    }
}
