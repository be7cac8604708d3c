package dev.optinfleet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.scoring.ScoreCombiner;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.checkpoint.onnx.OnnxExport;
import dev.optinfleet.core.checkpoint.onnx.OnnxExporter;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Issue 13's benchmark: ONNX Runtime on the exported dense MiniLM and on its pruned exports at budgets 0.6 and
 * 0.5, at batch 1 and batch 32, 128 tokens each, all with the same intra-op thread count, in one run.
 *
 * <p>The masks are the product's: the default scorer ({@code fisher_trajectory}) on the first 32 calibration texts
 * of {@code bench/data/debian-sections}, solved with the job's FLOP model at 128 tokens. Random scores would not do:
 * a head costs as much as about 50 neurons, so a knapsack over uniform random scores drops every head, a shape no
 * real job produces, and ONNX Runtime's speed depends on exactly those kept shapes.
 * Arguments: {@code [threads=available processors] [calibration texts=32]}.
 */
public final class OnnxBenchmark {
    static final double[] BUDGETS = {0.6, 0.5};
    static final int SEQ = 128;

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        Checkpoint dense = CheckpointLoader.load(BundledModels.MINILM_L6.onnx(models));
        ModelConfig c = dense.config();
        Path dir = Files.createTempDirectory("optin-onnx-bench-");
        List<String> names = new ArrayList<>();
        List<Checkpoint> checkpoints = new ArrayList<>();
        names.add("dense");
        checkpoints.add(dense);
        FlopModel flops = FlopModel.of(c, SEQ, dense.hasPooler());
        long t0 = System.nanoTime();
        UnitScores scores = defaultScores(dense, models, samples);
        System.out.printf("masks: default scorer on %d calibration texts of %s in %.1f s%n", samples,
                BenchData.calibration(), (System.nanoTime() - t0) / 1e9);
        BudgetSolver solver = new BudgetSolver(scores, flops);
        for (double budget : BUDGETS) {
            UnitMask mask = solver.solve(budget).mask();
            names.add("pruned " + budget);
            checkpoints.add(CheckpointSlicer.slice(dense, mask));
        }
        List<Path> files = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        for (int i = 0; i < checkpoints.size(); i++) {
            OnnxExport e = OnnxExporter.export(checkpoints.get(i), dir.resolve("m" + i));
            files.add(e.model());
            sizes.add(e.bytes());
        }
        TokenBatch one = ForwardBenchmark.randomTokens(1, SEQ, c.vocabSize());
        TokenBatch many = ForwardBenchmark.randomTokens(32, SEQ, c.vocabSize());
        double[][] seconds = new double[checkpoints.size()][2];
        for (int i = 0; i < checkpoints.size(); i++) {
            seconds[i][0] = ortSeconds(files.get(i), one, threads, 10, 41);
            seconds[i][1] = ortSeconds(files.get(i), many, threads, 3, 9);
        }
        System.out.printf("ONNX Runtime %s, %d intra-op threads, %d processors; MiniLM-L6 (L=%d, d=%d, H=%d, F=%d),"
                        + " %d tokens per sequence; median of 41 (batch 1) / 9 (batch 32) runs%n",
                OrtEnvironment.getEnvironment().getVersion(), threads, Runtime.getRuntime().availableProcessors(),
                c.numLayers(), c.hiddenSize(), c.numHeads(), c.intermediateSize(), SEQ);
        System.out.println("| model | kept prunable FLOPs | heads | neurons | model.onnx | batch 1 | speed-up |"
                + " batch 32 | sequences/s | speed-up |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < checkpoints.size(); i++) {
            ModelConfig k = checkpoints.get(i).config();
            double kept = flops.prunableMacs(k.headsPerLayer(), k.intermediatePerLayer()) / flops.densePrunableMacs();
            System.out.printf("| %s | %.3f | %d | %d | %.1f MB | %.1f ms | %.2fx | %.0f ms | %.1f | %.2fx |%n",
                    names.get(i), kept, Arrays.stream(k.headsPerLayer()).sum(),
                    Arrays.stream(k.intermediatePerLayer()).sum(), sizes.get(i) / 1e6, 1e3 * seconds[i][0],
                    seconds[0][0] / seconds[i][0], 1e3 * seconds[i][1], 32 / seconds[i][1],
                    seconds[0][1] / seconds[i][1]);
        }
        System.out.printf("goal: pruned 0.5 at batch 32 >= 1.50x dense; measured %.2fx%n",
                seconds[0][1] / seconds[checkpoints.size() - 1][1]);
    }

    /** The product's default scores of MiniLM on the first {@code samples} texts of the bench's calibration file. */
    static UnitScores defaultScores(Checkpoint dense, Path models, int samples) {
        CalibrationShard texts = CalibrationReader.read(BenchData.calibration()).first(samples);
        try (TextTokenizer tokenizer = TextTokenizer.load(BundledModels.MINILM_L6.tokenizer(models),
                dense.config().maxPositions());
             Encoder enc = Encoder.load(dense)) {
            ScoringSettings settings = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY);
            TermTable table = QualityBenchmark.score(enc, LengthBuckets.split(texts, tokenizer, 4), settings);
            ScoreCombiner.Combined combined = ScoreCombiner.combine(table, settings, true);
            return new UnitScores(combined.headScores(), combined.neuronScores());
        }
    }

    static double ortSeconds(Path onnx, TokenBatch tokens, int threads, int warmup, int repeats) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx.toString(), options)) {
                long[] shape = {tokens.size(), tokens.sequenceLength()};
                try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.ids()), shape);
                     OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.attentionMask()), shape);
                     OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.typeIds()), shape)) {
                    Map<String, OnnxTensor> inputs = Map.of("input_ids", ids, "attention_mask", mask,
                            "token_type_ids", types);
                    return Timer.medianSeconds(warmup, repeats, () -> {
                        try (OrtSession.Result r = session.run(inputs)) {
                            r.get(0);
                        }
                    });
                }
            }
        }
    }
}
