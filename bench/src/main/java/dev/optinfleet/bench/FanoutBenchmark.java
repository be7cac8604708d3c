package dev.optinfleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.fleet.CoordinatorClient;
import dev.optinfleet.cli.fleet.EmbeddedFleet;
import dev.optinfleet.cli.fleet.FleetJob;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.embedded.KafkaProcess;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 18 item 4: fan-out measured on a machine with fewer cores than workers. The workers run in the benchmark
 * mode {@code optin.worker.simulate-compute=true} ({@code worker/scoring/SimulatedCompute}): each task waits for the
 * time the cost model gives it on a {@code cpu-2core} worker instead of computing, and publishes a result of the
 * real shape and size. So the cores do only the fleet's own work: the coordinator's planning, dispatch over Kafka,
 * the workers' fetches and tokenizing, publishing and merging.
 *
 * <p>The same fisher job on all-MiniLM-L6-v2 (the fleet benchmark's model; {@code samples} texts of the
 * benchmark's train set as shards of 16, {@code samplesPerTask} samples a task) on 1, 2, 4 and 8 worker processes
 * over a standalone broker (8 partitions on the task topic) and s3proxy. Each fleet size runs the job once cold
 * (model and shards fetched, the workers' first tasks) and then once warm; the warm run is reported.
 *
 * <p>Per run, from the coordinator's {@code GET /jobs/{id}}: the scoring window (from the first poll that sees the
 * job scoring, its tasks out, to the coordinator's time of the last merged result), the simulated compute each
 * worker reported, and the tasks per partition of the job (read from the task topic). Derived:
 * <ul>
 *   <li>throughput ratio: tasks per second of the window against one worker's;</li>
 *   <li>balance bound: total compute over the busiest worker's compute x N, the best ratio / N that the tasks'
 *       spread over partitions (by key hash) and partitions over workers allows;</li>
 *   <li>fleet time per task (ms): the busiest worker's window minus its compute, over its tasks: what dispatch,
 *       fetching, publishing and merging cost each task on the critical path.</li>
 * </ul>
 * Arguments: {@code [samples=512] [samplesPerTask=4] [workerCounts=1,2,4,8]}.
 */
public final class FanoutBenchmark {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int samplesPerTask = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String counts = args.length > 2 ? args[2] : "1,2,4,8";
        Path home = Path.of(System.getProperty("optin.home", ".")).toAbsolutePath().normalize();
        Path work = Files.createTempDirectory("optin-fanout-bench");
        Path models = work.resolve("models");
        Path model = BundledModels.MINILM_L6.onnx(models);
        Path tokenizer = BundledModels.MINILM_L6.tokenizer(models);
        List<Path> shards = shards(work, samples);
        // Read by EmbeddedFleet when it starts workers: the benchmark mode, nothing else changes.
        System.setProperty("optin.fleet.simulate-compute", "true");

        List<Row> rows = new ArrayList<>();
        try (KafkaProcess kafka = KafkaProcess.start(work.resolve("kafka"));
             S3ProxyServer s3 = S3ProxyServer.start(work.resolve("s3"))) {
            EmbeddedFleet.createTopics(kafka::createTopic);
            EmbeddedFleet.Infrastructure infra = new EmbeddedFleet.Infrastructure(kafka.bootstrapServers(),
                    s3.endpoint(), s3.accessKey(), s3.secretKey());
            for (String n : counts.split(",")) {
                int workers = Integer.parseInt(n.trim());
                try (EmbeddedFleet fleet = EmbeddedFleet.over(infra, home, work.resolve("fleet-" + workers), workers,
                        System.out::println)) {
                    FleetJob.Inputs inputs = FleetJob.upload(fleet.store(), "minilm-fanout", model, tokenizer,
                            shards);
                    for (String run : List.of("cold", "warm")) {
                        Row row = run(fleet, kafka.bootstrapServers(), inputs, samplesPerTask, workers, run);
                        System.out.println(row);
                        if (run.equals("warm")) {
                            rows.add(row);
                        }
                    }
                }
            }
        }

        Row one = rows.stream().filter(r -> r.workers == 1).findFirst().orElse(rows.get(0));
        System.out.println();
        System.out.printf(Locale.ROOT, "Fisher job on all-MiniLM-L6-v2, %d samples, %d samples per task, %d tasks;"
                + " workers in simulate-compute mode (each task waits for the cost model's cpu-2core time), %d cores,"
                + " task topic of %d partitions; warm runs.%n%n", samples, samplesPerTask, one.tasks,
                Runtime.getRuntime().availableProcessors(), EmbeddedFleet.TASK_PARTITIONS);
        System.out.println("| workers | submit to last result | scoring window | simulated compute (sum) |"
                + " tasks/s | ratio vs 1 worker | ratio / N | balance bound | fleet time per task |"
                + " busiest partition |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            double ratio = (r.tasks / r.window) / (one.tasks / one.window) * one.workers;
            System.out.printf(Locale.ROOT, "| %d | %.1f s | %.1f s | %.1f s | %.2f | %.2f | %.2f | %.2f | %.0f ms |"
                            + " %d of %d tasks |%n", r.workers, r.toLastResult, r.window, r.computeSum, r.tasks / r.window,
                    ratio, ratio / r.workers, r.computeSum / (r.computeMax * r.workers), r.perTaskMillis(),
                    r.busiestPartition, r.tasks);
        }
    }

    /** One run's figures (seconds unless named). */
    private record Row(int workers, String run, int tasks, double toLastResult, double window, double computeSum,
                       double computeMax, int busiestTasks, int busiestPartition) {
        /** Critical path per task not spent computing: the busiest worker's window minus its compute. */
        double perTaskMillis() {
            return 1000 * (window - computeMax) / Math.max(1, busiestTasks);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d workers, %s: %d tasks, submit to last result %.1f s, window %.1f s,"
                            + " compute %.1f s (busiest worker %.1f s, %d tasks), busiest partition %d tasks",
                    workers, run, tasks, toLastResult, window, computeSum, computeMax, busiestTasks,
                    busiestPartition);
        }
    }

    private static Row run(EmbeddedFleet fleet, String bootstrap, FleetJob.Inputs inputs, int samplesPerTask,
                           int workers, String name) throws Exception {
        CoordinatorClient client = fleet.client();
        String jobId = client.submit(new JobRequest(JobRequest.SCHEMA_VERSION, "minilm-fanout", inputs.modelUri(),
                inputs.tokenizerUri(), inputs.calibrationUris(), List.of(0.5), ScoringSpec.of("fisher"), null,
                samplesPerTask, null, null, "bench", "none"));
        long scoringSeen = 0;
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        JsonNode status;
        while (true) {
            status = client.status(jobId);
            String state = status.path("state").asText();
            if (scoringSeen == 0 && !state.equals("accepted")) {
                scoringSeen = System.currentTimeMillis();
            }
            if (state.equals("failed")) {
                throw new IllegalStateException("job " + jobId + " failed: " + status.path("error").asText());
            }
            if (status.path("tasks_total").asInt() > 0
                    && status.path("tasks_done").asInt() == status.path("tasks_total").asInt()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " did not finish scoring: " + status);
            }
            Thread.sleep(50);
        }
        int tasks = status.path("tasks_total").asInt();
        JsonNode scoring = status.path("scoring");
        long lastResult = status.path("submitted_at").asLong() + scoring.path("millis_to_score").asLong();
        double sum = 0;
        double max = 0;
        int busiestTasks = 0;
        for (JsonNode w : scoring.path("workers")) {
            double s = w.path("elapsed_ms").asLong() / 1000.0;
            if (!w.path("engine").asText().startsWith("simulated")) {
                throw new IllegalStateException("a worker computed for real: " + w);
            }
            sum += s;
            if (s > max) {
                max = s;
                busiestTasks = w.path("tasks").asInt();
            }
        }
        int busiestPartition = busiestPartition(bootstrap, jobId, tasks);
        System.out.printf(Locale.ROOT, "  cost model's compute for the job %.1f s, simulated compute reported %.1f s%n",
                status.path("cost").path("compute_seconds").asDouble(), sum);
        // Let the job finish so that the next run does not share the cores with its solve and outputs.
        FleetJob.await(client, jobId, JOB_TIMEOUT, s -> { });
        return new Row(workers, name, tasks, scoring.path("millis_to_score").asLong() / 1000.0,
                (lastResult - scoringSeen) / 1000.0, sum, max, busiestTasks, busiestPartition);
    }

    /** Most tasks of the job on one partition of the task topic (keys hash there: a lower bound on the wall). */
    private static int busiestPartition(String bootstrap, String jobId, int total) {
        int[] perPartition = new int[EmbeddedFleet.TASK_PARTITIONS];
        int seen = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.SCORING_TASKS).stream()
                    .map(p -> new TopicPartition(Topics.SCORING_TASKS, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (Json.read(r.value(), ScoringTaskMessage.class).jobId().equals(jobId)) {
                        perPartition[r.partition()]++;
                        seen++;
                    }
                }
            }
        }
        if (seen != total) {
            throw new IllegalStateException("found " + seen + " of " + total + " tasks of job " + jobId);
        }
        int max = 0;
        for (int c : perPartition) {
            max = Math.max(max, c);
        }
        return max;
    }

    /** The first {@code samples} texts of the benchmark's train set, as shards of 16. */
    private static List<Path> shards(Path work, int samples) throws java.io.IOException {
        CalibrationShard all = CalibrationReader.read(BenchData.train()).first(samples);
        List<Path> files = new ArrayList<>();
        for (int from = 0; from < all.size(); from += 16) {
            Path p = work.resolve(String.format(Locale.ROOT, "shard-%05d.jsonl", files.size()));
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
