package dev.optinfleet.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.scoring.ExactScorer;
import dev.optinfleet.core.scoring.FisherScorer;
import dev.optinfleet.core.scoring.ScoreCombiner;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.scoring.TokenSample;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Path;
import java.util.List;

/**
 * Issue 3's speed benchmark, one run, ratios side by side:
 * <ol>
 *   <li>wall time of the {@code fisher} scorer for MiniLM (6 layers) and e5-small-v2 (12 layers, same width);</li>
 *   <li>wall time of exact {@code trajectory} scoring of every head and neuron of MiniLM, next to a naive scorer
 *       (one unit at a time, full forward from layer 0, no caching, no batching) timed on a sample of units and
 *       extrapolated; achieved GFLOP/s of both next to the engine's matmul rate;</li>
 *   <li>latency of the pruned MiniLM at budget 0.6 against the dense one at batch 1 and 32.</li>
 * </ol>
 * Arguments: {@code [samples=32] [exactNeuronFraction=1.0]}; a fraction below 1 scores every k-th neuron range
 * only and extrapolates (said so in the output).
 */
public final class ScoringBenchmark {
    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        double fraction = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        CalibrationShard shard = CalibrationReader.read(BenchData.calibration()).first(samples);

        Checkpoint miniLm = CheckpointLoader.load(BundledModels.MINILM_L6.onnx(models));
        Checkpoint e5 = CheckpointLoader.load(BundledModels.E5_SMALL_V2.onnx(models));
        TokenBatch miniBatch = tokenize(BundledModels.MINILM_L6.tokenizer(models), miniLm, shard);
        TokenBatch e5Batch = tokenize(BundledModels.E5_SMALL_V2.tokenizer(models), e5, shard);
        System.out.printf("calibration: %d samples, padded length %d (MiniLM), mean length %.1f tokens%n",
                miniBatch.size(), miniBatch.sequenceLength(), miniBatch.meanLength());

        double matmulRate = MatmulRate.measure(miniLm.config());
        System.out.printf("engine matmul rate: %.1f GFLOP/s%n%n", matmulRate);

        ScoringSettings fisher = ScoringSettings.defaults(ScorerKind.FISHER);
        double fisherMini = fisherSeconds(miniLm, miniBatch, fisher);
        double fisherE5 = fisherSeconds(e5, e5Batch, fisher);
        System.out.printf("fisher  MiniLM (6 layers):       %7.1f s for all %d units (%d probes x %d samples)%n",
                fisherMini, units(miniLm.config()), fisher.fisherProbes(), samples);
        System.out.printf("fisher  e5-small-v2 (12 layers): %7.1f s for all %d units; ratio 12/6 layers %.2f%n%n",
                fisherE5, units(e5.config()), fisherE5 / fisherMini);

        ScoringSettings trajectory = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withUnitBatch(16);
        try (Encoder encoder = Encoder.load(miniLm)) {
            warmUp(encoder, miniBatch);
            int[] rows = TokenSample.choose(miniBatch, trajectory.tokenRows(), trajectory.seed());
            double naivePerUnit = naiveSecondsPerUnit(encoder, miniBatch, rows, 12);
            long start = System.nanoTime();
            long scored = 0;
            double flops = 0;
            try (TeacherPass teacher = new TeacherPass(encoder, miniBatch, trajectory)) {
                List<ScoringTask> plan = ScoringPlan.plan(miniLm.config(), trajectory, new int[] {miniBatch.size()},
                        256, samples);
                int stride = (int) Math.round(1 / fraction);
                int index = 0;
                for (ScoringTask t : plan) {
                    ScoringTask.UnitRange r = (ScoringTask.UnitRange) t;
                    if (r.kind() == UnitKind.NEURON && index++ % stride != 0) {
                        continue;
                    }
                    TaskRunner.run(t, encoder, miniBatch, teacher, trajectory);
                    scored += r.count();
                    flops += r.count() * unitFlops(miniLm.config(), r.layer(), r.kind(), miniBatch);
                }
            }
            double exact = (System.nanoTime() - start) / 1e9;
            long all = units(miniLm.config());
            double exactAll = exact * all / scored;
            double naiveAll = naivePerUnit * all;
            double naiveFlops = all * FlopCount.forward(miniLm.config(), miniBatch.size(),
                    miniBatch.sequenceLength());
            System.out.printf("trajectory exact, fast: %7.1f s for %d of %d units%s%n", exact, scored, all,
                    scored < all ? String.format(" (all: %.1f s extrapolated)", exactAll) : "");
            System.out.printf("trajectory exact, naive: %.3f s per unit -> %.1f s for all (extrapolated from 12)%n",
                    naivePerUnit, naiveAll);
            System.out.printf("speed-up fast/naive: %.1fx%n", naiveAll / exactAll);
            System.out.printf("achieved rate fast:  %.1f GFLOP/s (%.0f%% of matmul)%n", flops / exact / 1e9,
                    100 * flops / exact / 1e9 / matmulRate);
            System.out.printf("achieved rate naive: %.1f GFLOP/s (%.0f%% of matmul)%n%n",
                    naiveFlops / naiveAll / 1e9, 100 * naiveFlops / naiveAll / 1e9 / matmulRate);

            FlopModel flopModel = FlopModel.fromLengths(miniLm.config(), miniBatch.lengths(), miniLm.hasPooler());
            List<?> fisherTerms = FisherScorer.score(encoder, miniBatch, fisher);
            TermTable table = new TermTable(miniLm.config());
            table.add(new ScoringTask.GradientBatch(0, 0, miniBatch.size()),
                    fisherTerms.stream().map(o -> (dev.optinfleet.core.scoring.UnitTerms) o).toList());
            ScoreCombiner.Combined combined = ScoreCombiner.combine(table, fisher, false);
            SolvedMask solved = new BudgetSolver(new UnitScores(combined.headScores(), combined.neuronScores()),
                    flopModel).solve(0.6);
            Checkpoint pruned = CheckpointSlicer.slice(miniLm, solved.mask());
            latency(miniLm, pruned, miniBatch);
        }
    }

    private static void latency(Checkpoint dense, Checkpoint pruned, TokenBatch calibration) throws Exception {
        try (Encoder d = Encoder.load(dense); Encoder p = Encoder.load(pruned)) {
            for (int batch : new int[] {1, 32}) {
                TokenBatch tokens = ForwardBenchmark.randomTokens(batch, 128, dense.config().vocabSize());
                double td = time(d, tokens, batch == 1 ? 40 : 8);
                double tp = time(p, tokens, batch == 1 ? 40 : 8);
                System.out.printf("latency batch %2d x 128: dense %7.1f ms, pruned@0.6 %7.1f ms, speed-up %.2fx%n",
                        batch, td * 1e3, tp * 1e3, td / tp);
            }
        }
    }

    private static double time(Encoder e, TokenBatch tokens, int repeats) throws Exception {
        return Timer.medianSeconds(repeats / 2 + 2, repeats, () -> {
            try (NDManager scope = e.newScope()) {
                e.forward(scope, tokens).hidden().getFloat(0, 0, 0);
            }
        });
    }

    private static TokenBatch tokenize(Path tokenizer, Checkpoint c, CalibrationShard shard) {
        try (TextTokenizer t = TextTokenizer.load(tokenizer, c.config().maxPositions())) {
            return shard.tokenize(t, shard.size());
        }
    }

    private static double fisherSeconds(Checkpoint c, TokenBatch batch, ScoringSettings s) throws Exception {
        try (Encoder e = Encoder.load(c)) {
            FisherScorer.score(e, batch.rows(0, Math.min(8, batch.size())), s); // warm-up
            long start = System.nanoTime();
            FisherScorer.score(e, batch, s);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static void warmUp(Encoder e, TokenBatch batch) {
        for (int i = 0; i < 4; i++) {
            try (NDManager scope = e.newScope()) {
                e.forward(scope, batch).hidden().getFloat(0, 0, 0);
            }
        }
    }

    /**
     * The naive scorer's cost per unit: a full forward from layer 0 with one unit masked, every layer's features
     * kept, and the Gram distance of every later layer computed from scratch.
     */
    private static double naiveSecondsPerUnit(Encoder e, TokenBatch batch, int[] rows, int units) {
        ModelConfig c = e.config();
        long[] idx = java.util.Arrays.stream(rows).asLongStream().toArray();
        long start = System.nanoTime();
        for (int u = 0; u < units; u++) {
            UnitMask mask = UnitMask.all(c.numLayers(), c.numHeads(), c.intermediateSize())
                    .withoutNeuron(u % c.numLayers(), u);
            try (NDManager scope = e.newScope()) {
                EncoderOutput out = e.forward(scope, batch, MaskGates.of(scope, c, mask), true);
                NDArray index = scope.create(idx);
                for (int j = 0; j < c.numLayers(); j++) {
                    NDArray f = out.features().get(j).reshape(-1, c.hiddenSize()).get(new NDIndex("{}", index))
                            .toType(DataType.FLOAT64, false);
                    NDArray unit = f.div(f.square().sum(new int[] {-1}, true).sqrt());
                    unit.matMul(unit.transpose()).square().sum().getDouble();
                }
            }
        }
        return (System.nanoTime() - start) / 1e9 / units;
    }

    /** Approximate FLOPs of one removed unit in the fast scorer: the layers it re-runs. */
    private static double unitFlops(ModelConfig c, int layer, UnitKind kind, TokenBatch b) {
        double perLayer = FlopCount.forward(c, b.size(), b.sequenceLength()) / c.numLayers();
        int layers = c.numLayers() - layer - (kind == UnitKind.NEURON ? 1 : 0);
        return perLayer * Math.max(layers, 0);
    }

    private static long units(ModelConfig c) {
        return (long) c.numLayers() * (c.numHeads() + c.intermediateSize());
    }
}
