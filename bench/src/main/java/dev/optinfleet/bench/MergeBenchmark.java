package dev.optinfleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.fleet.CoordinatorClient;
import dev.optinfleet.cli.fleet.EmbeddedFleet;
import dev.optinfleet.cli.fleet.FleetJob;
import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.planning.JobInputs;
import dev.optinfleet.coordinator.planning.JobPlan;
import dev.optinfleet.coordinator.planning.PlannedTask;
import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.coordinator.planning.TaskPlanner;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.embedded.KafkaProcess;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 18 item 3: how many task results per second the coordinator merges, for results of the size real tasks
 * produce on a 12-layer, 384-wide model (e5-small-v2: 12 heads and 1,536 neurons a layer).
 *
 * <ul>
 *   <li><b>exact</b> ({@code trajectory}, 256 neurons a task, the default split): per shard one head task per layer
 *       (12 units) and six neuron tasks per layer (256 units), both terms filled: ~11 KB of JSON per neuron result.
 *       The many-results case: 84 results per shard.</li>
 *   <li><b>fisher</b> (1 sample a task): every task's result covers all 18,576 units with a zero feature term:
 *       ~450 KB of JSON per result, few results per job.</li>
 * </ul>
 * Two measurements side by side, on the same synthetic results (the shape of the real ones, values made up,
 * {@link SyntheticResults}):
 * <ol>
 *   <li><b>merge step alone, in process</b>: the coordinator's own {@link TaskPlanner} plan and {@link Job#merge},
 *       each result deserialised from its JSON string first ({@code Json.read}), one thread, best of 3;
 *       deserialisation alone is timed too.</li>
 *   <li><b>end to end through Kafka</b>: the real coordinator (its production jar as a child JVM) over a
 *       standalone broker and s3proxy plans a real job on e5-small-v2; this benchmark reads the task records
 *       the workers would get, and publishes one result per task as workers do (key job/task, acks=all,
 *       idempotent) as fast as the broker takes them. Time: from the first send to the coordinator's own time of
 *       the last merged result ({@code submitted_at + scoring.millis_to_score} of {@code GET /jobs/{id}}).
 *       Producer, broker and coordinator share the machine's cores.</li>
 * </ol>
 * Arguments: {@code [exactShards=120] [fisherTasks=128]}.
 */
public final class MergeBenchmark {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int exactShards = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        int fisherTasks = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        Path home = Path.of(System.getProperty("optin.home", ".")).toAbsolutePath().normalize();
        Path work = Files.createTempDirectory("optin-merge-bench");
        Path models = work.resolve("models");
        Path model = BundledModels.E5_SMALL_V2.onnx(models);
        Path tokenizer = BundledModels.E5_SMALL_V2.tokenizer(models);
        ModelConfig config = CheckpointLoader.config(model);
        List<String> texts = CalibrationReader.read(BenchData.calibration()).texts();

        List<Case> cases = List.of(
                new Case("exact", "trajectory", exactShards, 1, null),
                new Case("fisher", "fisher", Math.max(1, fisherTasks / 16), 16, 1));
        Map<String, Row> rows = new LinkedHashMap<>();
        for (Case c : cases) {
            rows.put(c.name, inProcess(c, config));
            System.out.printf("%s in process: %s%n", c.name, rows.get(c.name));
        }

        try (KafkaProcess kafka = KafkaProcess.start(work.resolve("kafka"));
             S3ProxyServer s3 = S3ProxyServer.start(work.resolve("s3"))) {
            EmbeddedFleet.createTopics(kafka::createTopic);
            EmbeddedFleet.Infrastructure infra = new EmbeddedFleet.Infrastructure(kafka.bootstrapServers(),
                    s3.endpoint(), s3.accessKey(), s3.secretKey());
            try (EmbeddedFleet fleet = EmbeddedFleet.over(infra, home, work.resolve("fleet"), 0,
                    System.out::println)) {
                for (Case c : cases) {
                    List<Path> shards = new ArrayList<>();
                    for (int s = 0; s < c.shards; s++) {
                        Path p = work.resolve(String.format(Locale.ROOT, "%s-shard-%05d.jsonl", c.name, s));
                        StringBuilder sb = new StringBuilder();
                        for (int i = 0; i < c.samplesPerShard; i++) {
                            sb.append(Json.mapper().createObjectNode().put("text",
                                    texts.get((s * c.samplesPerShard + i) % texts.size()))).append('\n');
                        }
                        Files.writeString(p, sb);
                        shards.add(p);
                    }
                    FleetJob.Inputs inputs = FleetJob.upload(fleet.store(), "merge-" + c.name, model, tokenizer,
                            shards);
                    Row e2e = endToEnd(c, fleet, kafka.bootstrapServers(), inputs, config);
                    rows.put(c.name + " e2e", e2e);
                    System.out.printf("%s end to end: %s%n", c.name, e2e);
                }
            }
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "Synthetic results of real size for e5-small-v2 (12 layers, d = 384, 12 heads,"
                + " 1536 neurons), %d cores. In process: the coordinator's TaskPlanner + Json.read + Job.merge on one"
                + " thread, best of 3. End to end: the coordinator's jar over a standalone broker, results published"
                + " as workers do, first send to the coordinator's last merge.%n%n",
                Runtime.getRuntime().availableProcessors());
        System.out.println("| results | messages | JSON per result | deserialise alone | deserialise + merge"
                + " (in process) | end to end through Kafka | end to end MB/s | publishing took |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Case c : cases) {
            Row in = rows.get(c.name);
            Row e2e = rows.get(c.name + " e2e");
            System.out.printf(Locale.ROOT, "| %s (%s) | %d | %.1f KB | %,.0f /s | %,.0f /s | %,.0f /s | %.0f |"
                            + " %.2f s |%n", c.name, c.scorer, e2e.messages, e2e.bytes / 1024.0 / e2e.messages,
                    in.messages / in.readSeconds, in.messages / in.seconds, e2e.messages / e2e.seconds,
                    e2e.bytes / 1e6 / e2e.seconds, e2e.readSeconds);
        }
        Row exact = rows.get("exact e2e");
        System.out.printf(Locale.ROOT, "%ngoal: at least 10,000 result messages per second end to end: %s (%,.0f /s"
                + " for exact results)%n", exact.messages / exact.seconds >= 10_000 ? "met" : "MISSED",
                exact.messages / exact.seconds);
    }

    /** One job shape: scorer, shards and samples per shard (which fix the task count), samples per task. */
    private record Case(String name, String scorer, int shards, int samplesPerShard, Integer samplesPerTask) {
        ScoringSpec spec() {
            return ScoringSpecs.complete(ScoringSpec.of(scorer));
        }
    }

    /**
     * @param seconds     merge (in process: deserialise + merge; end to end: first send to last merge)
     * @param readSeconds in process: deserialisation alone; end to end: how long publishing took
     */
    private record Row(int messages, long bytes, double seconds, double readSeconds) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d messages, %.1f MB, %.3f s (%,.0f /s), %.3f s", messages,
                    bytes / 1e6, seconds, messages / seconds, readSeconds);
        }
    }

    /** The coordinator's plan and merge in this JVM, on the same results the fleet gets. */
    private static Row inProcess(Case c, ModelConfig config) {
        List<String> uris = new ArrayList<>();
        int[] sizes = new int[c.shards];
        int[] lengths = new int[c.shards * c.samplesPerShard];
        for (int s = 0; s < c.shards; s++) {
            uris.add(String.format(Locale.ROOT, "s3://calibration/merge/shard-%05d.jsonl", s));
            sizes[s] = c.samplesPerShard;
        }
        Arrays.fill(lengths, 128);
        JobRequest request = new JobRequest(JobRequest.SCHEMA_VERSION, "merge", "s3://models/e5/model.onnx",
                "s3://models/e5/tokenizer.json", uris, List.of(0.5), c.spec(), 256,
                c.samplesPerTask == null ? 16 : c.samplesPerTask, "s3://optin/outputs", null, "bench", "none");
        JobInputs inputs = new JobInputs(config, sizes, lengths);
        JobPlan plan = TaskPlanner.plan("job-1", request, inputs);
        boolean feature = SyntheticResults.featureTerm(request.scoring());
        List<String> payloads = new ArrayList<>();
        long bytes = 0;
        for (PlannedTask t : plan.tasks()) {
            String json = Json.write(SyntheticResults.of("job-1", t.id(), t.task(), config, feature));
            payloads.add(json);
            bytes += json.getBytes(StandardCharsets.UTF_8).length;
        }
        double best = Double.MAX_VALUE;
        double bestRead = Double.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            long t0 = System.nanoTime();
            for (String p : payloads) {
                if (Json.read(p, TaskScores.class).terms().isEmpty()) {
                    throw new IllegalStateException("empty terms");
                }
            }
            bestRead = Math.min(bestRead, (System.nanoTime() - t0) / 1e9);
            Job job = Job.accepted("job-1", request, System.currentTimeMillis());
            job.planned(inputs, plan);
            long t1 = System.nanoTime();
            for (String p : payloads) {
                if (job.merge(Json.read(p, TaskScores.class)) != Job.Merge.MERGED) {
                    throw new IllegalStateException("not merged: " + p.substring(0, 120));
                }
            }
            best = Math.min(best, (System.nanoTime() - t1) / 1e9);
            if (!job.isScored()) {
                throw new IllegalStateException("job not complete after every result");
            }
        }
        return new Row(payloads.size(), bytes, best, bestRead);
    }

    /** A real job on the real coordinator; this benchmark plays the workers. */
    private static Row endToEnd(Case c, EmbeddedFleet fleet, String bootstrap, FleetJob.Inputs inputs,
                                ModelConfig config) throws Exception {
        CoordinatorClient client = fleet.client();
        JobRequest request = new JobRequest(JobRequest.SCHEMA_VERSION, "merge-" + c.name, inputs.modelUri(),
                inputs.tokenizerUri(), inputs.calibrationUris(), List.of(0.5), ScoringSpec.of(c.scorer), 256,
                c.samplesPerTask, null, null, "bench", "none");
        String jobId = client.submit(request);
        JsonNode status = awaitStatus(client, jobId, s -> s.path("state").asText().equals("scoring"));
        int total = status.path("tasks_total").asInt();
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        long bytes = 0;
        for (ScoringTaskMessage task : tasksOf(bootstrap, jobId, total)) {
            TaskScores scores = SyntheticResults.of(jobId, task.taskId(),
                    SyntheticResults.task(task.task(), task.shardIndex()), config,
                    SyntheticResults.featureTerm(task.scoring()));
            String json = Json.write(scores);
            bytes += json.getBytes(StandardCharsets.UTF_8).length;
            records.add(new ProducerRecord<>(Topics.TASK_SCORES, scores.key(), json));
        }
        long sendStart;
        double sendSeconds;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20),
                ProducerConfig.LINGER_MS_CONFIG, "5"), new StringSerializer(), new StringSerializer())) {
            producer.partitionsFor(Topics.TASK_SCORES); // metadata before the clock starts
            sendStart = System.currentTimeMillis();
            long t0 = System.nanoTime();
            for (ProducerRecord<String, String> r : records) {
                producer.send(r);
            }
            producer.flush();
            sendSeconds = (System.nanoTime() - t0) / 1e9;
        }
        status = awaitStatus(client, jobId, s -> s.path("tasks_done").asInt() == total
                || s.path("state").asText().equals("failed"));
        if (status.path("tasks_done").asInt() != total) {
            throw new IllegalStateException("job " + jobId + " did not merge every result: " + status);
        }
        long lastMerge = status.path("submitted_at").asLong() + status.path("scoring").path("millis_to_score")
                .asLong();
        // Let it finish (solve, outputs) so that the next case's merge does not share the cores with it.
        FleetJob.await(client, jobId, JOB_TIMEOUT, s -> { });
        return new Row(total, bytes, (lastMerge - sendStart) / 1000.0, sendSeconds);
    }

    /** The job's task records as the workers receive them. */
    private static List<ScoringTaskMessage> tasksOf(String bootstrap, String jobId, int total) {
        List<ScoringTaskMessage> tasks = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20)),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.SCORING_TASKS).stream()
                    .map(p -> new TopicPartition(Topics.SCORING_TASKS, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (tasks.size() < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + tasks.size() + " of " + total + " tasks of job "
                            + jobId + " on " + Topics.SCORING_TASKS);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    ScoringTaskMessage m = Json.read(r.value(), ScoringTaskMessage.class);
                    if (m.jobId().equals(jobId)) {
                        tasks.add(m);
                    }
                }
            }
        }
        return tasks;
    }

    private static JsonNode awaitStatus(CoordinatorClient client, String jobId,
                                        java.util.function.Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            JsonNode s = client.status(jobId);
            if (condition.test(s)) {
                return s;
            }
            if (s.path("state").asText().equals("failed") || System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " never got there: " + s);
            }
            Thread.sleep(100);
        }
    }
}
