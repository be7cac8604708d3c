package dev.optinfleet.cli;

import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.pipeline.LocalPruner;
import dev.optinfleet.core.pipeline.ScoringProgress;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.report.ReportData;
import dev.optinfleet.report.ReportWriter;
import dev.optinfleet.report.Timings;
import dev.optinfleet.schemas.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Scores every head and neuron once, then writes mask.json and a physically smaller checkpoint"
                + " per budget, plus the raw scores.",
        footer = {"", "Example:",
                "  ./optin prune --model bundled:minilm --calibration cal.jsonl --budget 0.6 --budget 0.5 --out out/"})
final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "checkpoint directory (config.json + model.safetensors), ONNX file, or bundled:minilm.")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.json (default: next to the model).")
    Path tokenizer;

    @Option(names = "--calibration", required = true,
            description = "JSON Lines shard with a \"text\" field per line; repeat for more shards.")
    List<Path> calibration;

    @Option(names = "--budget", required = true,
            description = "kept fraction of prunable FLOPs in (0, 1]; repeat for more budgets.")
    List<Double> budgets;

    @Option(names = "--out", required = true, description = "output directory.")
    Path out;

    @Option(names = "--json", description = "print the result as JSON on stdout, no progress bar.")
    boolean json;

    @Option(names = "--in-process", description = "score in this JVM instead of on a fleet.")
    boolean inProcess;

    @Option(names = "--repair", paramLabel = "MODE",
            description = "how the kept weights are repaired after masking: none (mask only), bias (output biases"
                    + " only), full (kept columns and biases of every output projection by ridge least squares on"
                    + " the calibration texts, layer by layer) or reselect (full, choosing each layer's kept heads and"
                    + " neurons again on the repaired model, same counts per layer; docs/reconstruction.md)."
                    + " Default: ${DEFAULT-VALUE}.")
    String repair = ReconstructionSettings.DEFAULT_REPAIR.wireName();

    @Option(names = "--workers", defaultValue = "2", description = "workers of the embedded fleet (default 2).")
    int workers;

    @Mixin
    CoordinatorOption coordinator;

    @Mixin
    ScoringOptions scoring;

    @Override
    public Integer call() throws Exception {
        List<Double> checked = Budgets.check(budgets);
        for (Path p : calibration) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("calibration file " + p + " does not exist");
            }
        }
        Repair mode = Repair.parse("--repair", repair);
        ModelLocation location = ModelLocation.resolve(model, tokenizer);
        if (!inProcess) {
            return new FleetPrune(spec, location, calibration, checked, scoring, out, json, mode)
                    .run(coordinator.url == null ? null : coordinator.client(), workers);
        }
        LocalPruner.Request request = new LocalPruner.Request(location.load(), location.tokenizer(), calibration,
                checked, scoring.settings(), scoring.neuronsPerTaskOrDefault(), scoring.samplesPerTaskOrDefault(), out,
                scoring.memory(), ReconstructionSettings.of(mode));
        LocalPruner.Result result;
        CountingProgress counted;
        try (ConsoleProgress progress = new ConsoleProgress(System.err, json)) {
            counted = new CountingProgress(progress);
            result = LocalPruner.run(request, counted);
        }
        Path report = writeReport(request, result, counted.units);
        print(result, report);
        return 0;
    }

    /**
     * report.html next to scores.json. The masks and checkpoints are what prune is for, so a report that cannot be
     * drawn (e.g. no font on a stripped-down machine) is a warning, not a failed run.
     */
    private Path writeReport(LocalPruner.Request request, LocalPruner.Result result, long units) {
        try {
            ReportData data = ReportData.from(result.scores(), request.checkpoint(),
                    result.budgets().stream().map(BudgetOutput::mask).toList(),
                    Timings.inProcess(result.scoringSeconds(), result.tasks(), units), null)
                    .withOnnxFiles(result.budgets());
            return ReportWriter.write(data, out);
        } catch (RuntimeException | LinkageError | java.awt.AWTError e) {
            spec.commandLine().getErr().println("warning: report.html was not written: " + e);
            return null;
        }
    }

    /** Passes progress on and remembers the planned unit evaluations, for the report's timings. */
    private static final class CountingProgress implements ScoringProgress {
        private final ScoringProgress delegate;
        private long units;

        CountingProgress(ScoringProgress delegate) {
            this.delegate = delegate;
        }

        @Override
        public void planned(int tasks, long unitEvaluations) {
            units = unitEvaluations;
            delegate.planned(tasks, unitEvaluations);
        }

        @Override
        public void advanced(long unitEvaluations) {
            delegate.advanced(unitEvaluations);
        }

        @Override
        public void taskDone(long unitEvaluations) {
            delegate.taskDone(unitEvaluations);
        }

        @Override
        public void message(String text) {
            delegate.message(text);
        }
    }

    private void print(LocalPruner.Result result, Path report) {
        var stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("out", out.toAbsolutePath().toString());
            m.put("scores", out.resolve(JobOutputs.SCORES_FILE).toAbsolutePath().toString());
            m.put("scoring_seconds", result.scoringSeconds());
            m.put("output_weight", result.scores().outputWeight());
            List<Map<String, Object>> budgets = new ArrayList<>();
            for (BudgetOutput b : result.budgets()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("budget", b.budget());
                e.put("kept_fraction", b.report().keptFraction());
                e.put("kept_heads", b.solved().keptHeads());
                e.put("kept_neurons", b.solved().keptNeurons());
                e.put("dir", b.dir().toAbsolutePath().toString());
                budgets.add(e);
            }
            m.put("budgets", budgets);
            if (report != null) {
                m.put("report", report.toAbsolutePath().toString());
            }
            stdout.println(Json.writePretty(m));
            return;
        }
        stdout.printf("scored in %.1f s (%d tasks); raw scores: %s%n", result.scoringSeconds(), result.tasks(),
                out.resolve(JobOutputs.SCORES_FILE));
        for (BudgetOutput b : result.budgets()) {
            stdout.printf("budget %s: kept %.3f of prunable FLOPs, %d heads, %d neurons -> %s%n",
                    JobOutputs.budgetLabel(b.budget()), b.report().keptFraction(), b.solved().keptHeads(),
                    b.solved().keptNeurons(), b.dir());
        }
        if (report != null) {
            stdout.println("report: " + report);
        }
    }
}
