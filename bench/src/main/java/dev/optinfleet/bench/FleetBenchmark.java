package dev.optinfleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.fleet.CoordinatorClient;
import dev.optinfleet.cli.fleet.EmbeddedFleet;
import dev.optinfleet.cli.fleet.FleetJob;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.pipeline.LocalPruner;
import dev.optinfleet.core.pipeline.ScoringProgress;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.embedded.KafkaProcess;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 4's fleet benchmark: the same fisher job on the real MiniLM, in one JVM (LocalPruner) and on the fleet with
 * one and with two worker processes against a standalone broker (a child JVM) and s3proxy. Prints units scored per
 * second and the fleet's wall time against in-process scoring. Each fleet configuration runs the job twice: the
 * first pays for the workers' model download and engine warm-up, the second is the steady state the overhead goal is
 * about. Arguments: {@code [calibrationSamples=64] [samplesPerTask=4]}.
 */
public final class FleetBenchmark {
    private static final List<Double> BUDGETS = List.of(0.6, 0.5);

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int samplesPerTask = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Path home = Path.of(System.getProperty("optin.home", ".")).toAbsolutePath().normalize();
        Path work = Files.createTempDirectory("optin-fleet-bench");
        Path models = work.resolve("models");
        Path model = BundledModels.MINILM_L6.onnx(models);
        Path tokenizer = BundledModels.MINILM_L6.tokenizer(models);
        List<Path> shards = shards(work, samples);
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.FISHER);

        Map<String, double[]> rows = new LinkedHashMap<>(); // name -> {seconds, units}
        // In-process: the same plan run task by task in this JVM; best of two runs (the first warms the engine).
        double best = Double.MAX_VALUE;
        long units = 0;
        for (int run = 0; run < 2; run++) {
            long t0 = System.nanoTime();
            LocalPruner.Result r = LocalPruner.run(new LocalPruner.Request(CheckpointLoader.load(model), tokenizer,
                    shards, BUDGETS, settings, 256, samplesPerTask, work.resolve("in-process-" + run)),
                    new ScoringProgress() {
                    });
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            units = unitEvaluations(r);
        }
        rows.put("in-process (one JVM, no Kafka)", new double[] {best, units});
        System.out.printf("in-process: %.1f s for %d unit evaluations%n", best, units);

        try (KafkaProcess kafka = KafkaProcess.start(work.resolve("kafka"));
             S3ProxyServer s3 = S3ProxyServer.start(work.resolve("s3"))) {
            EmbeddedFleet.createTopics(kafka::createTopic);
            EmbeddedFleet.Infrastructure infra = new EmbeddedFleet.Infrastructure(kafka.bootstrapServers(),
                    s3.endpoint(), s3.accessKey(), s3.secretKey());
            for (int workers : new int[] {1, 2}) {
                try (EmbeddedFleet fleet = EmbeddedFleet.over(infra, home, work.resolve("fleet-" + workers), workers,
                        System.out::println)) {
                    FleetJob.Inputs inputs = FleetJob.upload(fleet.store(), "minilm-bench", model, tokenizer,
                            shards);
                    CoordinatorClient client = new CoordinatorClient(fleet.coordinatorUrl());
                    for (String phase : List.of("cold", "warm")) {
                        long t0 = System.nanoTime();
                        String job = client.submit(new JobRequest(JobRequest.SCHEMA_VERSION, "minilm-bench",
                                inputs.modelUri(), inputs.tokenizerUri(), inputs.calibrationUris(), BUDGETS,
                                ScoringSpec.of("fisher"), null, samplesPerTask, null, null, "bench"));
                        JsonNode status = FleetJob.await(client, job, Duration.ofHours(1), s -> { });
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        long fleetUnits = status.path("units_scored").asLong();
                        String name = String.format("fleet, %d worker process%s, %s", workers,
                                workers == 1 ? "" : "es", phase);
                        rows.put(name, new double[] {seconds, fleetUnits});
                        System.out.printf("%s: %.1f s, status %s%n", name, seconds, Json.write(status.path("state")));
                    }
                }
            }
        }

        double inProcess = rows.values().iterator().next()[0];
        System.out.println();
        System.out.printf("Fisher job on all-MiniLM-L6-v2, %d calibration samples, %d samples per task, budgets %s;"
                + " wall time from submit to masks and checkpoints in storage (in-process: to files on disk).%n%n",
                samples, samplesPerTask, BUDGETS);
        System.out.println("| run | wall time | unit evaluations/s | time vs in-process |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            double[] v = e.getValue();
            System.out.printf("| %s | %.1f s | %.0f | %.2fx |%n", e.getKey(), v[0], v[1] / v[0], v[0] / inProcess);
        }
        System.out.printf("%nfleet overhead (1 worker, warm) vs in-process: %+.1f%%%n",
                100 * (rows.get("fleet, 1 worker process, warm")[0] / inProcess - 1));
        System.out.printf("speed-up of 2 worker processes over 1 (warm): %.2fx on %d cores%n",
                rows.get("fleet, 1 worker process, warm")[0] / rows.get("fleet, 2 worker processes, warm")[0],
                Runtime.getRuntime().availableProcessors());
    }

    private static long unitEvaluations(LocalPruner.Result r) {
        long perPass = 0;
        for (double[] h : r.scores().headScores()) {
            perPass += h.length;
        }
        for (double[] n : r.scores().neuronScores()) {
            perPass += n.length;
        }
        return perPass * r.tasks();
    }

    /** The first {@code samples} texts of the benchmark's calibration set, as shards of 16. */
    private static List<Path> shards(Path work, int samples) throws java.io.IOException {
        CalibrationShard all = CalibrationReader.read(BenchData.calibration()).first(samples);
        List<Path> files = new ArrayList<>();
        for (int from = 0; from < all.size(); from += 16) {
            Path p = work.resolve(String.format("shard-%05d.jsonl", files.size()));
            StringBuilder sb = new StringBuilder();
            for (String text : all.texts().subList(from, Math.min(all.size(), from + 16))) {
                sb.append(Json.mapper().createObjectNode().put("text", text)).append('\n');
            }
            Files.writeString(p, sb);
            files.add(p);
        }
        return files;
    }
}
