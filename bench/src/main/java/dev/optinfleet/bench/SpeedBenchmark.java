package dev.optinfleet.bench;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringContext;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 12's speed comparison, side by side in one run: {@code fisher} and the default {@code fisher_trajectory}
 * on e5-small-v2 (12 layers) with {@code samples} texts of {@code tokens} tokens, in Java (DJL on libtorch) and in
 * PyTorch itself ({@code bench/python/fisher_reference.py}, the same estimate: one forward pass per micro-batch,
 * one backward pass per probe with the graph kept), same probes, micro-batch and thread count. Arguments:
 * {@code [samples=128] [tokens=128] [threads=2]}. Needs bench/.venv (bench/python/setup-venv.sh).
 */
public final class SpeedBenchmark {
    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path models = Path.of(System.getProperty("optin.models", "bench/target/models"));
        Path work = Path.of("bench/target/speed");
        Checkpoint dense = CheckpointLoader.load(BundledModels.E5_SMALL_V2.onnx(models));
        Path tokenizer = BundledModels.E5_SMALL_V2.tokenizer(models);
        TokenBatch batch;
        try (TextTokenizer t = TextTokenizer.load(tokenizer, tokens)) {
            batch = t.encode(MemoryRun.longTexts(CalibrationReader.read(BenchData.calibration()), samples, tokens));
        }
        CheckpointWriter.write(dense, work.resolve("e5-small-v2"), tokenizer);
        Files.writeString(work.resolve("ids.json"), idsJson(batch));
        System.out.printf(Locale.ROOT, "e5-small-v2 (12 layers), %d texts of %d tokens, %d threads%n%n",
                batch.size(), batch.sequenceLength(), threads);
        System.out.println("| scorer | probes | micro-batch | Java (DJL) | PyTorch | Java / PyTorch | goal |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (ScorerKind kind : new ScorerKind[] {ScorerKind.FISHER, ScorerKind.FISHER_TRAJECTORY}) {
            ScoringSettings s = ScoringSettings.defaults(kind).withMaxSamples(samples);
            double java = javaSeconds(dense, batch, s);
            double torch = torchSeconds(work, kind, s.fisherProbes(), s.fisherBatch(), threads);
            double goal = kind == ScorerKind.FISHER ? 1.5 : 3.0;
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f s | %.1f s | %.2fx | within %.1fx: %s |%n",
                    kind.wireName(), s.fisherProbes(), s.fisherBatch(), java, torch, java / torch, goal,
                    java / torch <= goal ? "met" : "missed");
        }
    }

    private static double javaSeconds(Checkpoint dense, TokenBatch batch, ScoringSettings s) {
        try (Encoder e = Encoder.load(dense)) {
            ScoringContext context = ScoringContext.detected(e);
            TaskRunner.run(new ScoringTask.GradientBatch(0, 0, Math.min(8, batch.size())), e, batch, null, s,
                    context); // warm-up
            long start = System.nanoTime();
            TaskRunner.run(new ScoringTask.GradientBatch(0, 0, batch.size()), e, batch, null, s, context);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static double torchSeconds(Path work, ScorerKind kind, int probes, int micro, int threads)
            throws Exception {
        Path python = Path.of("bench/.venv/bin/python");
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException(python + " not found: run bench/python/setup-venv.sh first");
        }
        Process p = new ProcessBuilder(python.toString(), "bench/python/fisher_reference.py",
                work.resolve("e5-small-v2").toString(), work.resolve("ids.json").toString(), kind.wireName(),
                Integer.toString(probes), Integer.toString(micro), Integer.toString(threads))
                .redirectErrorStream(true).start();
        String result = null;
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                if (line.startsWith("RESULT")) {
                    result = line;
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("PyTorch reference failed: " + String.join("\n", lines));
        }
        return Double.parseDouble(result.replaceAll(".*seconds=([0-9.]+).*", "$1"));
    }

    private static String idsJson(TokenBatch batch) {
        StringBuilder b = new StringBuilder("[");
        for (int r = 0; r < batch.size(); r++) {
            b.append(r == 0 ? "[" : ",[");
            for (int p = 0; p < batch.sequenceLength(); p++) {
                b.append(p == 0 ? "" : ",").append(batch.id(r, p));
            }
            b.append(']');
        }
        return b.append(']').toString();
    }
}
