package dev.optinfleet.report;

import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.onnx.OnnxExporter;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.scores.ScoresDocument;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything report.html shows, computed from what a job produced: its scores.json, the dense model's architecture,
 * the mask.json of each budget, and optionally timings and an evaluation. Build it with one of the {@code from}
 * factories; immutable.
 *
 * <p>Shapes: the scores are [L][H] heads and [L][F] neurons of the dense model; every mask has the same shape and the
 * same weights hash as the scores. The solution path is solved from the scores over
 * {@link SolutionPath#DEFAULT_BUDGETS} with the job's s (tokens per sequence), so it agrees with the masks.
 *
 * @param jobId         the job's id; null for a local run
 * @param submittedBy   who submitted the job (the authenticated principal the coordinator recorded; user text:
 *                      escaped when rendered); null for a local run or a job without one
 * @param modelName     the dense model's name (user text: escaped when rendered)
 * @param weightsSha256 SHA-256 of its weights
 * @param flops         its cost model at the job's tokens per sequence
 * @param scores        importance of every head [L][H] and neuron [L][F]
 * @param settings      scoring settings as recorded in scores.json (scorer first when present)
 * @param samples       calibration samples scored
 * @param budgets       one per budget, ascending, distinct
 * @param path          the solution path of the scores
 * @param timings       how long scoring took; null when not known
 * @param evaluation    quality per budget; null when not measured
 */
public record ReportData(String jobId, String submittedBy, String modelName, String weightsSha256, FlopModel flops, UnitScores scores,
                         Map<String, Object> settings, int samples, List<BudgetSummary> budgets, SolutionPath path,
                         Timings timings, Evaluation evaluation) {

    /** Relative slack allowed between the tokens per sequence of scores.json and of a mask.json. */
    static final double TOKENS_TOLERANCE = 1e-9;

    public ReportData {
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("model name is required");
        }
        Objects.requireNonNull(weightsSha256, "weightsSha256");
        Objects.requireNonNull(flops, "flops");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(path, "path");
        var c = flops.config();
        if (scores.layers() != c.numLayers() || scores.headsPerLayer() != c.numHeads()
                || scores.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException("scores are " + scores.shape() + " but the model has " + c.numLayers()
                    + " x " + c.numHeads() + " heads, " + c.numLayers() + " x " + c.intermediateSize() + " neurons");
        }
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(settings, "settings")));
        if (samples < 0) {
            throw new IllegalArgumentException("samples must be >= 0, was " + samples);
        }
        budgets = List.copyOf(budgets);
        for (int i = 0; i < budgets.size(); i++) {
            BudgetSummary b = budgets.get(i);
            if (b.layers() != c.numLayers()) {
                throw new IllegalArgumentException("budget " + b.budget() + " has " + b.layers()
                        + " layers but the model has " + c.numLayers());
            }
            if (i > 0 && !(b.budget() > budgets.get(i - 1).budget())) {
                throw new IllegalArgumentException("budgets must be ascending and distinct, got "
                        + budgets.get(i - 1).budget() + " before " + b.budget());
            }
        }
    }

    /**
     * The report data of a job, with the dense checkpoint it pruned (its config and whether it has a pooler, so
     * parameter counts match the checkpoint's).
     *
     * @param scores     the job's scores.json
     * @param dense      the dense checkpoint; its weights must be those the scores were made for
     * @param masks      the mask.json of each budget, any order; a budget given twice is shown once
     * @param timings    null when not known
     * @param evaluation null when not measured
     * @throws IllegalArgumentException when the checkpoint, scores and masks do not belong together (naming which)
     */
    public static ReportData from(ScoresDocument scores, Checkpoint dense, List<MaskDocument> masks, Timings timings,
                                  Evaluation evaluation) {
        Objects.requireNonNull(dense, "dense");
        Objects.requireNonNull(scores, "scores");
        if (!dense.weightsSha256().equals(scores.weightsSha256())) {
            throw new IllegalArgumentException("scores.json of " + scores.modelName() + " is for weights "
                    + scores.weightsSha256() + " but the model " + dense.name() + " has weights "
                    + dense.weightsSha256());
        }
        return from(scores, FlopModel.of(dense.config(), scores.tokensPerSequence(), dense.hasPooler()), masks,
                timings, evaluation);
    }

    /**
     * As {@link #from(ScoresDocument, Checkpoint, List, Timings, Evaluation)} from the dense model's config alone; the
     * model is taken to have a pooler exactly when its classifier uses one ({@link FlopModel#of(ModelConfig, double)}).
     */
    public static ReportData from(ScoresDocument scores, ModelConfig config, List<MaskDocument> masks,
                                  Timings timings, Evaluation evaluation) {
        Objects.requireNonNull(scores, "scores");
        return from(scores, FlopModel.of(config, scores.tokensPerSequence()), masks, timings, evaluation);
    }

    /**
     * As {@link #from(ScoresDocument, Checkpoint, List, Timings, Evaluation)} with an explicit cost model; its
     * tokens per sequence is replaced by the scores' so that the solution path matches the masks.
     */
    public static ReportData from(ScoresDocument scores, FlopModel flops, List<MaskDocument> masks, Timings timings,
                                  Evaluation evaluation) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(flops, "flops");
        Objects.requireNonNull(masks, "masks");
        FlopModel model = flops.tokensPerSequence() == scores.tokensPerSequence() ? flops
                : flops.withTokensPerSequence(scores.tokensPerSequence());
        UnitScores unitScores = new UnitScores(scores.headScores(), scores.neuronScores());
        SolutionPath path = SolutionPath.of(unitScores, model);
        List<MaskDocument> sorted = new ArrayList<>(masks);
        sorted.sort(Comparator.comparingDouble(MaskDocument::budget));
        List<BudgetSummary> budgets = new ArrayList<>();
        for (MaskDocument m : sorted) {
            checkBelongs(m, scores, model);
            if (!budgets.isEmpty() && budgets.get(budgets.size() - 1).budget() == m.budget()) {
                continue;
            }
            budgets.add(BudgetSummary.of(m, model, path.totalImportance()));
        }
        return new ReportData(null, null, scores.modelName(), scores.weightsSha256(), model, unitScores,
                scores.settings(), scores.sampleLengths().length, budgets, path, timings, evaluation);
    }

    /** The same report for a job id. */
    public ReportData withJobId(String id) {
        return new ReportData(id, submittedBy, modelName, weightsSha256, flops, scores, settings, samples, budgets,
                path, timings, evaluation);
    }

    /** The same report for a job submitted by {@code principal} (null: none known). */
    public ReportData withSubmitter(String principal) {
        return new ReportData(jobId, principal, modelName, weightsSha256, flops, scores, settings, samples, budgets,
                path, timings, evaluation);
    }

    /** The same report with timings (null to drop them). */
    public ReportData withTimings(Timings t) {
        return new ReportData(jobId, submittedBy, modelName, weightsSha256, flops, scores, settings, samples, budgets,
                path, t, evaluation);
    }

    /** The same report with an evaluation (null to drop it). */
    public ReportData withEvaluation(Evaluation e) {
        return new ReportData(jobId, submittedBy, modelName, weightsSha256, flops, scores, settings, samples, budgets,
                path, timings, e);
    }

    /**
     * The same report with the size of each budget's model.onnx (and its external data, if any) as written in the
     * budget's local directory; budgets without one keep "not known".
     */
    public ReportData withOnnxFiles(List<BudgetOutput> outputs) {
        List<BudgetSummary> sized = new ArrayList<>();
        for (BudgetSummary b : budgets) {
            BudgetSummary s = b;
            for (BudgetOutput o : outputs) {
                Path model = o.dir().resolve(OnnxExporter.FILE);
                if (o.budget() == b.budget() && Files.isRegularFile(model)) {
                    Path data = o.dir().resolve(OnnxExporter.DATA_FILE);
                    try {
                        s = b.withOnnxBytes(Files.size(model) + (Files.isRegularFile(data) ? Files.size(data) : 0));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read the size of " + model, e);
                    }
                }
            }
            sized.add(s);
        }
        return new ReportData(jobId, submittedBy, modelName, weightsSha256, flops, scores, settings, samples, sized,
                path, timings, evaluation);
    }

    /** The dense model's architecture. */
    public ModelConfig config() {
        return flops.config();
    }

    /** The scorer's name from the settings, or "unknown". */
    public String scorer() {
        Object s = settings.get("scorer");
        return s == null ? "unknown" : String.valueOf(s);
    }

    private static void checkBelongs(MaskDocument m, ScoresDocument scores, FlopModel flops) {
        String which = "mask.json of budget " + m.budget();
        if (!m.model().weightsSha256().equals(scores.weightsSha256())) {
            throw new IllegalArgumentException(which + " is for weights " + m.model().weightsSha256()
                    + " but scores.json is for " + scores.weightsSha256());
        }
        var c = flops.config();
        if (m.layers() != c.numLayers() || m.headsPerLayer() != c.numHeads()
                || m.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException(which + " is " + m.layers() + " x " + m.headsPerLayer() + " heads, "
                    + m.layers() + " x " + m.neuronsPerLayer() + " neurons but the model has " + c.numLayers()
                    + " x " + c.numHeads() + " heads, " + c.numLayers() + " x " + c.intermediateSize() + " neurons");
        }
        double s = scores.tokensPerSequence();
        if (Math.abs(m.tokensPerSequence() - s) > TOKENS_TOLERANCE * s) {
            throw new IllegalArgumentException(which + " was solved at " + m.tokensPerSequence()
                    + " tokens per sequence but scores.json has " + s);
        }
    }
}
