package dev.optinfleet.bench;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.eval.Evaluator;
import dev.optinfleet.core.eval.FeatureExtractor;
import dev.optinfleet.core.eval.LabelledSet;
import dev.optinfleet.core.eval.LabelledSetReader;
import dev.optinfleet.core.eval.LinearProbe;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.scoring.FisherScorer;
import dev.optinfleet.core.scoring.ScoreCombiner;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 3's quality benchmark on a real labelled task (Debian package descriptions by section, bench/data): a
 * linear head trained on frozen dense MiniLM features, then every scorer's masks at budgets 1.0 .. 0.5 through the
 * same BudgetSolver, each evaluated as a physically sliced model on the held-out test split.
 *
 * <p>One exact leave-one-out pass yields both terms, so {@code trajectory} at every lambda and {@code output} come
 * from the same scoring run. Arguments: {@code [calibrationSamples=32]}.
 */
public final class QualityBenchmark {
    static final double[] BUDGETS = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5};

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        Checkpoint encoderOnly = CheckpointLoader.load(BundledModels.MINILM_L6.onnx(models));
        LabelledSet train = LabelledSetReader.readLabelled(BenchData.train());
        LabelledSet test = LabelledSetReader.readLabelled(BenchData.test());
        List<String> classes = train.labelNames();
        try (TextTokenizer tokenizer = TextTokenizer.load(BundledModels.MINILM_L6.tokenizer(models),
                encoderOnly.config().maxPositions())) {
            FeatureExtractor features = new FeatureExtractor(tokenizer, 32);
            Evaluator evaluator = new Evaluator(features);
            long t0 = System.nanoTime();
            LinearProbe probe;
            try (Encoder enc = Encoder.load(encoderOnly)) {
                probe = LinearProbe.fit(features.pooled(enc, null, train), train, classes,
                        LinearProbe.Settings.defaults());
            }
            Checkpoint model = probe.withHead(encoderOnly, Pooling.MEAN, classes);
            System.out.printf("task: %d train / %d test texts, classes %s; head trained in %.1f s%n", train.size(),
                    test.size(), classes, (System.nanoTime() - t0) / 1e9);

            CalibrationShard shard = CalibrationReader.read(BenchData.calibration()).first(samples);
            List<TokenBatch> calibration = LengthBuckets.split(shard, tokenizer, 4);
            int[] lengths = calibration.stream().flatMapToInt(b -> java.util.Arrays.stream(b.lengths())).toArray();
            FlopModel flops = FlopModel.fromLengths(model.config(), lengths, model.hasPooler());
            System.out.printf("calibration: %d unlabelled samples in %d length-sorted shards (padded to %s tokens,"
                    + " mean %.1f)%n", lengths.length, calibration.size(),
                    calibration.stream().map(b -> Integer.toString(b.sequenceLength())).toList(),
                    java.util.Arrays.stream(lengths).average().orElse(0));

            Map<String, UnitScores> scorers = new LinkedHashMap<>();
            Map<String, Double> seconds = new LinkedHashMap<>();
            try (Encoder enc = Encoder.load(model)) {
                ScoringSettings trajectory = ScoringSettings.defaults(ScorerKind.TRAJECTORY);
                long start = System.nanoTime();
                TermTable exact = score(enc, calibration, trajectory);
                double exactSeconds = (System.nanoTime() - start) / 1e9;
                for (double lambda : new double[] {10, 1, 0.1}) {
                    ScoreCombiner.Combined c = ScoreCombiner.combine(exact, trajectory.withLambda(lambda), true);
                    String name = String.format("trajectory, lambda %s%s", BenchFormat.number(lambda),
                            lambda == 10 ? " (paper)" : "");
                    scorers.put(name, new UnitScores(c.headScores(), c.neuronScores()));
                    seconds.put(name, exactSeconds);
                    System.out.printf("%s: w = %.4g%n", name, c.outputWeight());
                }
                ScoreCombiner.Combined output = ScoreCombiner.combine(exact,
                        ScoringSettings.defaults(ScorerKind.OUTPUT), true);
                scorers.put("output (exact KL)", new UnitScores(output.headScores(), output.neuronScores()));
                seconds.put("output (exact KL)", exactSeconds);

                ScoringSettings fisher = ScoringSettings.defaults(ScorerKind.FISHER);
                start = System.nanoTime();
                TermTable fisherTable = score(enc, calibration, fisher);
                seconds.put("fisher", (System.nanoTime() - start) / 1e9);
                ScoreCombiner.Combined f = ScoreCombiner.combine(fisherTable, fisher, true);
                scorers.put("fisher", new UnitScores(f.headScores(), f.neuronScores()));
            }
            scorers.put("weight magnitude", Baselines.magnitude(model));
            seconds.put("weight magnitude", 0.0);
            scorers.put("random", Baselines.random(model.config(), 7));
            seconds.put("random", 0.0);

            double dense;
            try (Encoder enc = Encoder.load(model)) {
                dense = evaluator.accuracy(enc, null, test).value();
            }
            StringBuilder table = new StringBuilder("| scorer | scoring time |");
            for (double b : BUDGETS) {
                table.append(' ').append(BenchFormat.number(b)).append(" |");
            }
            table.append("\n|---|---|").append("---|".repeat(BUDGETS.length)).append('\n');
            for (Map.Entry<String, UnitScores> e : scorers.entrySet()) {
                BudgetSolver solver = new BudgetSolver(e.getValue(), flops);
                table.append("| ").append(e.getKey()).append(" | ")
                        .append(String.format("%.1f s", seconds.get(e.getKey()))).append(" |");
                for (double b : BUDGETS) {
                    double acc;
                    if (b == 1.0) {
                        acc = dense;
                    } else {
                        SolvedMask m = solver.solve(b);
                        try (Encoder pruned = Encoder.load(CheckpointSlicer.slice(model, m.mask()))) {
                            acc = evaluator.accuracy(pruned, null, test).value();
                        }
                    }
                    table.append(String.format(" %.1f%% |", 100 * acc));
                }
                table.append('\n');
                System.out.printf("done: %s%n", e.getKey());
            }
            System.out.println();
            System.out.println("Test accuracy of the sliced model per kept fraction of prunable FLOPs (dense "
                    + String.format("%.1f%%", 100 * dense) + "):");
            System.out.println();
            System.out.print(table);
        }
    }

    /** Every task of the plan over all shards, as the fleet would run them. */
    static TermTable score(Encoder enc, List<TokenBatch> shards, ScoringSettings settings) {
        TermTable table = new TermTable(enc.config());
        int[] sizes = shards.stream().mapToInt(TokenBatch::size).toArray();
        List<ScoringTask> plan = ScoringPlan.plan(enc.config(), settings, sizes, 512, 64);
        boolean exact = settings.scorer() != ScorerKind.FISHER;
        for (int s = 0; s < shards.size(); s++) {
            TokenBatch batch = shards.get(s);
            try (TeacherPass teacher = exact ? new TeacherPass(enc, batch, settings) : null) {
                for (ScoringTask t : plan) {
                    if (t.shard() == s) {
                        table.add(t, TaskRunner.run(t, enc, batch, teacher, settings));
                    }
                }
            }
        }
        return table;
    }
}
