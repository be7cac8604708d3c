package dev.optinfleet.core.pipeline;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.DeviceChoice;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.scoring.ScoringContext;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.schemas.scores.ScoresDocument;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole pruning job in this JVM: the same plan, tasks, merge and outputs as the fleet, run one task after another.
 * The reference the fleet is tested against, and the CLI's {@code --in-process} path.
 */
public final class LocalPruner {

    /**
     * @param checkpoint     the dense model
     * @param tokenizer      its tokenizer.json
     * @param calibration    JSON Lines shards
     * @param budgets        kept fractions of prunable FLOPs, each in (0, 1]
     * @param settings       scorer and settings
     * @param neuronsPerTask neurons per exact task (only changes how work is split, not the result)
     * @param samplesPerTask samples per fisher task
     * @param out            output directory
     * @param memory         what the scoring passes are planned from
     * @param reconstruction how each budget's kept weights are repaired (on the same calibration shards)
     */
    public record Request(Checkpoint checkpoint, Path tokenizer, List<Path> calibration, List<Double> budgets,
                          ScoringSettings settings, int neuronsPerTask, int samplesPerTask, Path out,
                          MemoryBudget memory, ReconstructionSettings reconstruction) {
        /** With the product's default repair. */
        public Request(Checkpoint checkpoint, Path tokenizer, List<Path> calibration, List<Double> budgets,
                       ScoringSettings settings, int neuronsPerTask, int samplesPerTask, Path out,
                       MemoryBudget memory) {
            this(checkpoint, tokenizer, calibration, budgets, settings, neuronsPerTask, samplesPerTask, out, memory,
                    ReconstructionSettings.defaults());
        }

        public Request {
            Objects.requireNonNull(reconstruction, "reconstruction");
            Objects.requireNonNull(checkpoint, "checkpoint");
            Objects.requireNonNull(tokenizer, "tokenizer");
            calibration = List.copyOf(calibration);
            if (calibration.isEmpty()) {
                throw new IllegalArgumentException("at least one calibration file is required");
            }
            budgets = List.copyOf(budgets);
            if (budgets.isEmpty()) {
                throw new IllegalArgumentException("at least one budget is required");
            }
            for (double b : budgets) {
                if (!(b > 0 && b <= 1)) {
                    throw new IllegalArgumentException("budget must be in (0, 1] (the kept fraction of prunable"
                            + " FLOPs), was " + b);
                }
            }
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(memory, "memory");
        }

        /** Within the machine's own memory limit ({@link MemoryBudget#detect()}). */
        public Request(Checkpoint checkpoint, Path tokenizer, List<Path> calibration, List<Double> budgets,
                       ScoringSettings settings, int neuronsPerTask, int samplesPerTask, Path out) {
            this(checkpoint, tokenizer, calibration, budgets, settings, neuronsPerTask, samplesPerTask, out,
                    MemoryBudget.detect(), ReconstructionSettings.defaults());
        }
    }

    /**
     * @param scores         merged terms and importance (also written to out/scores.json)
     * @param budgets        per budget, what was written
     * @param scoringSeconds wall time of scoring
     * @param tasks          tasks run
     */
    public record Result(ScoresDocument scores, List<BudgetOutput> budgets, double scoringSeconds, int tasks) {
    }

    private LocalPruner() {
    }

    public static Result run(Request request, ScoringProgress progress) {
        Checkpoint dense = request.checkpoint();
        List<CalibrationShard> shards = new ArrayList<>();
        for (Path p : request.calibration()) {
            shards.add(CalibrationReader.read(p));
        }
        ScoringSettings settings = request.settings();
        List<TokenBatch> batches = new ArrayList<>();
        int limit = settings.tokenLimit(dense.config().maxPositions());
        int cut = 0;
        try (TextTokenizer tokenizer = TextTokenizer.load(request.tokenizer(), limit)) {
            for (CalibrationShard shard : shards) {
                TokenBatch batch = shard.tokenize(tokenizer, settings.maxSamples());
                cut += batch.truncated();
                batches.add(batch);
            }
        }
        if (cut > 0) {
            progress.message(truncationWarning(cut, batches.stream().mapToInt(TokenBatch::size).sum(), limit,
                    settings.maxLength() > 0));
        }
        int[] sizes = batches.stream().mapToInt(TokenBatch::size).toArray();
        List<ScoringTask> plan = ScoringPlan.plan(dense.config(), settings, sizes, request.neuronsPerTask(),
                request.samplesPerTask());
        progress.planned(plan.size(), unitEvaluations(plan, dense));
        TermTable table = new TermTable(dense.config());
        long start = System.nanoTime();
        try (Encoder encoder = Encoder.load(dense, null, DeviceChoice.parse(System.getProperty("optin.device"),
                "optin.device"))) {
            ScoringContext context = ScoringContext.of(request.memory(), encoder, null);
            progress.message("scoring on " + encoder.engineName() + " " + encoder.deviceName() + ", memory budget "
                    + request.memory());
            for (int s = 0; s < batches.size(); s++) {
                TokenBatch batch = batches.get(s);
                boolean exact = !settings.scorer().gradient();
                try (TeacherPass teacher = exact ? new TeacherPass(encoder, batch, settings, context) : null) {
                    for (ScoringTask task : plan) {
                        if (task.shard() != s) {
                            continue;
                        }
                        long units = unitEvaluations(task, dense);
                        long[] told = {0};
                        List<UnitTerms> terms = TaskRunner.run(task, encoder, batch, teacher, settings,
                                context.withProgress((done, total) -> {
                                    long now = units * done / total;
                                    progress.advanced(now - told[0]);
                                    told[0] = now;
                                }));
                        table.add(task, terms);
                        progress.taskDone(units - told[0]);
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int[] lengths = lengths(batches);
        FlopModel flops = FlopModel.fromLengths(dense.config(), lengths, dense.hasPooler());
        ScoresDocument scores = JobOutputs.scores(dense, settings, table, lengths, flops);
        JobOutputs.writeScores(scores, request.out());
        progress.message(request.reconstruction().repair() == Repair.NONE ? "writing the budgets (mask only)"
                : "writing the budgets with " + request.reconstruction().repair().wireName() + " reconstruction");
        List<BudgetOutput> outputs = JobOutputs.writeBudgets(request.out(), dense, request.tokenizer(), scores, flops,
                request.budgets(), new Repairing(request.reconstruction(), batches));
        return new Result(scores, outputs, seconds, plan.size());
    }

    /** The one warning a job gives when texts were cut. */
    public static String truncationWarning(int cut, int texts, int limit, boolean byMaxLength) {
        return "warning: " + cut + " of " + texts + " calibration text(s) are longer than " + limit + " tokens ("
                + (byMaxLength ? "--max-length" : "the model's maximum positions") + ") and were cut there";
    }

    /** Non-padding length of every sample, shard after shard: the s of the FLOP model. */
    public static int[] lengths(List<TokenBatch> batches) {
        return batches.stream().flatMapToInt(b -> java.util.Arrays.stream(b.lengths())).toArray();
    }

    /** Unit evaluations a task performs: its units for exact tasks, every unit for a gradient batch. */
    public static long unitEvaluations(ScoringTask task, Checkpoint dense) {
        if (task instanceof ScoringTask.UnitRange r) {
            return r.count();
        }
        var c = dense.config();
        return (long) c.numLayers() * (c.numHeads() + c.intermediateSize());
    }

    private static long unitEvaluations(List<ScoringTask> plan, Checkpoint dense) {
        return plan.stream().mapToLong(t -> unitEvaluations(t, dense)).sum();
    }
}
