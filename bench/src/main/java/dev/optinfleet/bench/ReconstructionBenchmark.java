package dev.optinfleet.bench;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.eval.Evaluator;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.reconstruct.Reconstruction;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Reconstructor;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.reconstruct.SublayerRefit;
import dev.optinfleet.core.scoring.ScoreCombiner;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 15's quality benchmark: the default scorer's masks (fisher_trajectory) at budgets 1.0 .. 0.4, evaluated as
 * sliced models with no repair (mask only), with bias compensation only, with full least-squares reconstruction
 * and with reconstruction plus re-selection (the units each layer keeps chosen again on the repaired model, same
 * counts; the re-selected mask is the one sliced), on each labelled task (bench/data/debian-sections and
 * bench/data/man-sections), with the validation split, several calibration draws and the paired bootstrap of
 * {@link QualityReport} against mask only, and re-selection against full reconstruction. Reconstruction uses the
 * draw's scoring calibration texts (unlabelled). A row's time is scoring plus, for every budget, reconstruction. A
 * report is printed after every draw, so a run cut short still leaves its tables.
 *
 * <p>Arguments: {@code [--budgets=1.0,0.9,...,0.4] [--repairs=none,bias,full,reselect] [draws=3] [samples=128]
 * [taskDir...=bench/data/debian-sections bench/data/man-sections]}; {@code none} (mask only, the baseline) is
 * always run. One task, one draw, two budgets, no bias row:
 * {@code --budgets=0.6,0.5 --repairs=full,reselect 1 32 bench/data/debian-sections}.
 */
public final class ReconstructionBenchmark {
    static final double[] DEFAULT_BUDGETS = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    static final String MASK_ONLY = "mask only";
    static final String FULL = "full reconstruction";
    static final String RESELECT = "reconstruction with re-selection";
    static final Map<String, Repair> ALL_VARIANTS = new LinkedHashMap<>();

    static {
        ALL_VARIANTS.put(MASK_ONLY, Repair.NONE);
        ALL_VARIANTS.put("bias compensation", Repair.BIAS);
        ALL_VARIANTS.put(FULL, Repair.FULL);
        ALL_VARIANTS.put(RESELECT, Repair.RESELECT);
    }

    /** The budgets and rows of this run (set from the arguments). */
    static double[] BUDGETS = DEFAULT_BUDGETS;
    static final Map<String, Repair> VARIANTS = new LinkedHashMap<>(ALL_VARIANTS);

    public static void main(String[] args) {
        List<String> positional = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--budgets=")) {
                BUDGETS = java.util.Arrays.stream(a.substring("--budgets=".length()).split(","))
                        .mapToDouble(Double::parseDouble).toArray();
                for (double b : BUDGETS) {
                    if (!(b > 0 && b <= 1)) {
                        throw new IllegalArgumentException("--budgets: " + b + " is not in (0, 1]");
                    }
                }
            } else if (a.startsWith("--repairs=")) {
                List<Repair> chosen = new ArrayList<>();
                for (String r : a.substring("--repairs=".length()).split(",")) {
                    chosen.add(Repair.parse("--repairs", r));
                }
                VARIANTS.entrySet().removeIf(e -> e.getValue() != Repair.NONE && !chosen.contains(e.getValue()));
            } else if (a.startsWith("--")) {
                throw new IllegalArgumentException("unknown option " + a + "; expected --budgets=B,B,... or"
                        + " --repairs=none,bias,full,reselect");
            } else {
                positional.add(a);
            }
        }
        int draws = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 3;
        int samples = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 128;
        List<Path> dirs = new ArrayList<>();
        for (int i = 2; i < positional.size(); i++) {
            dirs.add(Path.of(positional.get(i)));
        }
        if (dirs.isEmpty()) {
            dirs = List.of(Path.of("bench/data/debian-sections"), Path.of("bench/data/man-sections"));
        }
        ReconstructionSettings base = ReconstructionSettings.defaults();
        System.out.printf("%d draws, fisher_trajectory on %d samples, relative ridge %s, %d tokens per pass,"
                + " budgets %s, rows %s%n", draws, samples, BenchFormat.number(base.relativeRidge()),
                base.tokensPerPass(), java.util.Arrays.toString(BUDGETS), VARIANTS.keySet());
        List<QualityTask> tasks = new ArrayList<>();
        List<int[][]> dense = new ArrayList<>();
        List<Map<String, QualityRow>> rows = new ArrayList<>();
        try {
            for (Path dir : dirs) {
                System.out.printf("task %s:%n", dir);
                QualityTask task = QualityTask.load(dir);
                tasks.add(task);
                try (Encoder enc = Encoder.load(task.model)) {
                    dense.add(new int[][] {task.evaluator.predict(enc, null, task.test),
                            task.evaluator.predict(enc, null, task.validation)});
                }
                rows.add(new LinkedHashMap<>());
            }
            for (int d = 0; d < draws; d++) {
                for (int t = 0; t < tasks.size(); t++) {
                    runDraw(dirs.get(t), tasks.get(t), dense.get(t), rows.get(t), d, samples, base);
                }
                for (int t = 0; t < tasks.size(); t++) {
                    System.out.printf("%n=== %s after %d draw(s) ===%n", dirs.get(t), d + 1);
                    QualityReport.print(rows.get(t), BUDGETS, d + 1, MASK_ONLY, List.of());
                    if (rows.get(t).containsKey(FULL) && rows.get(t).containsKey(RESELECT)) {
                        // issue 15: keep re-selection only if it pays against full reconstruction on validation
                        System.out.printf("%n=== %s after %d draw(s): re-selection against full reconstruction"
                                + " ===%n", dirs.get(t), d + 1);
                        Map<String, QualityRow> pair = new LinkedHashMap<>();
                        pair.put(FULL, rows.get(t).get(FULL));
                        pair.put(RESELECT, rows.get(t).get(RESELECT));
                        QualityReport.print(pair, BUDGETS, d + 1, FULL, List.of());
                    }
                }
            }
        } finally {
            tasks.forEach(QualityTask::close);
        }
    }

    private static void runDraw(Path dir, QualityTask task, int[][] dense, Map<String, QualityRow> rows, int d,
                                int samples, ReconstructionSettings base) {
        Checkpoint model = task.model;
        int[] testTruth = task.test.labelIndices(model.config().labels());
        int[] validationTruth = task.validation.labelIndices(model.config().labels());
        List<TokenBatch> calibration = task.shards(task.draw(d), samples);
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY).withSeed(d);
        UnitScores scores;
        double scoringSeconds;
        try (Encoder enc = Encoder.load(model)) {
            long start = System.nanoTime();
            TermTable table = QualityBenchmark.score(enc, calibration, settings);
            scoringSeconds = (System.nanoTime() - start) / 1e9;
            ScoreCombiner.Combined c = ScoreCombiner.combine(table, settings, true);
            scores = new UnitScores(c.headScores(), c.neuronScores());
        }
        BudgetSolver solver = new BudgetSolver(scores, task.flops);
        Map<String, double[]> validation = new LinkedHashMap<>();
        Map<String, boolean[][]> testCorrect = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String v : VARIANTS.keySet()) {
            validation.put(v, new double[BUDGETS.length]);
            testCorrect.put(v, new boolean[BUDGETS.length][]);
            seconds.put(v, scoringSeconds);
        }
        try (Encoder denseEncoder = Encoder.load(model)) {
            for (int b = 0; b < BUDGETS.length; b++) {
                SolvedMask m = BUDGETS[b] == 1.0 ? null : solver.solve(BUDGETS[b]);
                for (Map.Entry<String, Repair> v : VARIANTS.entrySet()) {
                    int[] predictedTest = dense[0];
                    int[] predictedValidation = dense[1];
                    if (m != null) {
                        Checkpoint weights = model;
                        UnitMask applied = m.mask();
                        if (v.getValue() != Repair.NONE) {
                            Reconstruction r = Reconstructor.reconstruct(denseEncoder, model, m.mask(), calibration,
                                    ReconstructionSettings.of(v.getValue()).withRelativeRidge(base.relativeRidge()));
                            weights = r.checkpoint();
                            applied = r.mask();
                            seconds.merge(v.getKey(), r.seconds(), Double::sum);
                            if (v.getValue() == Repair.RESELECT) {
                                int swapped = r.refits().stream().mapToInt(SublayerRefit::reselected).sum();
                                System.out.printf("%s draw %d budget %s: re-selection swapped %d of %d kept heads"
                                        + " and neurons (%.1f s); kept fraction %.4f%n", dir.getFileName(), d,
                                        BenchFormat.number(BUDGETS[b]), swapped, applied.keptHeadCount()
                                        + applied.keptNeuronCount(), r.seconds(),
                                        task.flops.prunableMacs(applied) / task.flops.densePrunableMacs());
                            }
                        }
                        try (Encoder pruned = Encoder.load(CheckpointSlicer.slice(weights, applied))) {
                            predictedTest = task.evaluator.predict(pruned, null, task.test);
                            predictedValidation = task.evaluator.predict(pruned, null, task.validation);
                        }
                    }
                    testCorrect.get(v.getKey())[b] = correct(predictedTest, testTruth);
                    validation.get(v.getKey())[b] = Evaluator.agreement(predictedValidation, validationTruth);
                }
            }
        }
        for (String v : VARIANTS.keySet()) {
            QualityRow row = rows.computeIfAbsent(v, k -> new QualityRow());
            row.add(seconds.get(v), validation.get(v), testCorrect.get(v));
            int last = row.draws() - 1;
            List<String> test = new ArrayList<>();
            List<String> val = new ArrayList<>();
            for (int b = 0; b < BUDGETS.length; b++) {
                test.add(String.format("%.1f%%", 100 * QualityRow.accuracy(row.correct(last, b))));
                val.add(String.format("%.1f%%", 100 * validation.get(v)[b]));
            }
            System.out.printf("%s draw %d, %s (%.1f s scoring + repair): test %s, validation %s%n", dir.getFileName(),
                    d, v, seconds.get(v), test, val);
        }
    }

    private static boolean[] correct(int[] predicted, int[] truth) {
        boolean[] c = new boolean[truth.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = predicted[i] == truth[i];
        }
        return c;
    }
}
