package dev.optinfleet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.UnitScores;
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
import java.util.Random;

/**
 * Issue 13's benchmark: ONNX Runtime on the exported dense MiniLM and on its pruned exports at budgets 0.6 and
 * 0.5, at batch 1 and batch 32, 128 tokens each, all with the same intra-op thread count, in one run.
 *
 * <p>The masks are solved from seeded random scores with the job's FLOP model at 128 tokens: ONNX Runtime's speed
 * depends on the kept shapes (heads and neurons per layer), not on which units were kept, and this keeps the run to
 * a minute instead of a scoring job. Arguments: {@code [threads=available processors]}.
 */
public final class OnnxBenchmark {
    static final double[] BUDGETS = {0.6, 0.5};
    static final int SEQ = 128;

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        Checkpoint dense = CheckpointLoader.load(BundledModels.MINILM_L6.onnx(models));
        ModelConfig c = dense.config();
        Path dir = Files.createTempDirectory("optin-onnx-bench-");
        List<String> names = new ArrayList<>();
        List<Checkpoint> checkpoints = new ArrayList<>();
        names.add("dense");
        checkpoints.add(dense);
        FlopModel flops = FlopModel.of(c, SEQ, dense.hasPooler());
        BudgetSolver solver = new BudgetSolver(randomScores(c, 13), flops);
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

    static UnitScores randomScores(ModelConfig c, long seed) {
        Random rnd = new Random(seed);
        double[][] heads = new double[c.numLayers()][c.numHeads()];
        double[][] neurons = new double[c.numLayers()][c.intermediateSize()];
        for (int l = 0; l < c.numLayers(); l++) {
            for (int h = 0; h < c.numHeads(); h++) {
                heads[l][h] = rnd.nextDouble();
            }
            for (int i = 0; i < c.intermediateSize(); i++) {
                neurons[l][i] = rnd.nextDouble();
            }
        }
        return new UnitScores(heads, neurons);
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
