package dev.optinfleet.cli;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.cost.CostModel;
import dev.optinfleet.core.cost.JobCost;
import dev.optinfleet.core.cost.WorkerKind;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * What a job would cost, printed before any work: reads the model's config (headers only for a safetensors
 * checkpoint), tokenises the calibration texts, plans the tasks exactly as the coordinator does, and applies the
 * cost model ({@link CostModel}) with a worker kind of the calibration file ({@link WorkerKind}).
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Prints a job's cost before it runs: units, tasks, forward/backward passes, FLOPs, bytes moved,"
                + " peak memory per worker and the estimated wall time on N workers of a kind.",
        footer = {"", "Example:",
                "  ./optin plan --model bundled:minilm --calibration cal.jsonl --scorer trajectory --kind cpu-2core"
                        + " --workers 1,2,4,8"})
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "checkpoint directory, .onnx file, or " + ModelLocation.BUNDLED_MINILM + ".")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.json (default: next to the model).")
    Path tokenizer;

    @Option(names = "--calibration", required = true, description = "calibration JSON Lines file, one per shard.")
    List<Path> calibration;

    @Option(names = "--kind", defaultValue = "cpu-2core",
            description = "worker kind from the calibration file (default cpu-2core; bundled: cpu-2core, h200, a100).")
    String kind;

    @Option(names = "--rates", paramLabel = "FILE",
            description = "worker-kind calibration file (default: the bundled worker-kinds.json).")
    Path rates;

    @Option(names = "--workers", split = ",", defaultValue = "1,2,4,8",
            description = "worker counts to estimate the wall time for (default 1,2,4,8).")
    List<Integer> workers;

    @Option(names = "--partitions", defaultValue = "32",
            description = "partitions of the task topic: at most that many workers are busy (default 32, as k8s).")
    int partitions;

    @Option(names = "--worker-memory", defaultValue = "8g", description = "a worker's memory budget (default 8g).")
    String workerMemory;

    @Option(names = "--worker-heap", defaultValue = "2g", description = "a worker's -Xmx (default 2g).")
    String workerHeap;

    @Mixin
    ScoringOptions scoring;

    @Override
    public Integer call() {
        for (Path p : calibration) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("calibration file " + p + " does not exist");
            }
        }
        ModelLocation location = ModelLocation.resolve(model, tokenizer);
        ModelConfig config = CheckpointLoader.config(location.model());
        ScoringSettings settings = scoring.settings();
        List<int[]> lengths = new ArrayList<>();
        long shardBytes = 0;
        try (TextTokenizer t = TextTokenizer.load(location.tokenizer(), settings.tokenLimit(config.maxPositions()))) {
            for (Path p : calibration) {
                TokenBatch batch = CalibrationReader.read(p).tokenize(t, settings.maxSamples());
                lengths.add(batch.lengths());
                shardBytes += size(p);
            }
        }
        List<WorkerKind> kinds = rates == null ? WorkerKind.bundled() : WorkerKind.read(rates);
        WorkerKind k = WorkerKind.find(kinds, kind);
        JobCost cost = CostModel.estimate(config, settings, lengths, scoring.neuronsPerTaskOrDefault(),
                scoring.samplesPerTaskOrDefault(), size(location.model()), shardBytes,
                MemoryBudget.parse(workerMemory, "--worker-memory"),
                MemoryBudget.parse(workerHeap, "--worker-heap").bytes(), k);
        PrintWriter out = spec.commandLine().getOut();
        print(out, config, settings, lengths, cost);
        out.flush();
        return 0;
    }

    private void print(PrintWriter out, ModelConfig config, ScoringSettings settings, List<int[]> lengths,
                       JobCost cost) {
        int samples = lengths.stream().mapToInt(a -> a.length).sum();
        out.printf(Locale.ROOT, "model: %d layers, %d heads, FFN %d, d %d; scorer %s; %d shard(s), %d samples%n",
                config.numLayers(), config.numHeads(), config.intermediateSize(), config.hiddenSize(),
                settings.scorer().wireName(), lengths.size(), samples);
        out.printf(Locale.ROOT, "units:            %d heads + %d neurons%n", cost.heads(), cost.neurons());
        out.printf(Locale.ROOT, "tasks:            %d (longest %.1f s)%n", cost.tasks(), cost.longestTaskSeconds());
        out.printf(Locale.ROOT, "forward passes:   %d (per sample; exact scorers: partial, from the unit's layer)%n",
                cost.forwardPasses());
        out.printf(Locale.ROOT, "backward passes:  %d%n", cost.backwardPasses());
        out.printf(Locale.ROOT, "FLOPs:            %.3g%n", cost.flops());
        out.printf(Locale.ROOT, "bytes:            checkpoint %.1f MB to each worker, shards %.2f MB, results %.2f MB%n",
                cost.checkpointBytes() / 1e6, cost.shardBytes() / 1e6, cost.resultBytes() / 1e6);
        out.printf(Locale.ROOT, "peak per worker:  %s (planned: heap at -Xmx + runtime + weights + passes)%n",
                MemoryBudget.gib(cost.peakWorkerBytes()));
        out.printf(Locale.ROOT, "worker kind:      %s, %.0f GFLOP/s achieved (%s)%n", cost.kind(),
                cost.kind().gflops(settings.scorer().gradient()), cost.kind().source());
        out.printf(Locale.ROOT, "scoring alone:    %s on one worker%n", duration(cost.computeSeconds()));
        for (int n : workers) {
            out.printf(Locale.ROOT, "wall, %2d workers: %s (bytes moved %.1f MB)%n", n,
                    duration(cost.wallSeconds(n, partitions)), cost.bytesMoved(n) / 1e6);
        }
    }

    static String duration(double seconds) {
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.2f s", seconds);
        }
        if (seconds < 7200) {
            return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    private static long size(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                }
            }
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot size " + p, e);
        }
    }
}
