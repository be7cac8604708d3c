package dev.optinfleet.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.pipeline.LocalPruner;
import dev.optinfleet.core.pipeline.ScoringProgress;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.embedded.QuarkusAppProcess;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.storage.S3Uri;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4's guarantees on the real thing: one fleet (a broker, an S3 server, the coordinator and two workers as
 * child JVMs of their production jars) runs jobs whose masks must equal the in-process pruner's on the same inputs,
 * while messages are duplicated, a worker crashes, or the coordinator is killed and restarted. Subclasses say where
 * the broker and the S3 server come from.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FleetScenarios {
    static final List<Double> BUDGETS = List.of(0.6, 0.5);
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);
    /*
     * Fisher with 4 probes on batches of 4: 16 stacked sequences per backward pass instead of the default 64, so the
     * activations of two workers and the in-process reference fit in a small CI machine's memory together.
     */
    static final ScoringSpec FISHER = new ScoringSpec("fisher", null, null, null, null, null, null, null, null, 4, 4);

    Path work;
    EmbeddedFleet fleet;
    FleetJob.Inputs inputs;
    Path model;
    Path tokenizer;
    List<Path> shards;
    final Map<Integer, Map<Double, MaskDocument>> reference = new HashMap<>();

    /** Starts the fleet under test, with two workers named worker-1 and worker-2. */
    abstract EmbeddedFleet startFleet(Path home, Path work);

    @BeforeAll
    void start() throws IOException {
        work = Files.createTempDirectory("optin-fleet-it");
        Path models = Path.of("target", "models");
        model = BundledModels.MINILM_L6.onnx(models);
        tokenizer = BundledModels.MINILM_L6.tokenizer(models);
        shards = new ArrayList<>();
        for (String name : List.of("shard-00000.jsonl", "shard-00001.jsonl")) {
            shards.add(shortened(name, work.resolve(name)));
        }
        fleet = startFleet(Path.of("..").toAbsolutePath().normalize(), work);
        inputs = FleetJob.upload(fleet.store(), "minilm", model, tokenizer, shards);
    }

    /**
     * The demo's real texts cut to their first two sentences: the fisher passes of a worker, of the other worker and
     * of the in-process reference each hold activations for 64 stacked sequences, so sequence length decides whether
     * four scoring processes fit on a small CI machine.
     */
    private static Path shortened(String resource, Path target) throws IOException {
        StringBuilder out = new StringBuilder();
        try (InputStream in = FleetScenarios.class.getResourceAsStream("/demo/" + resource)) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String text = Json.mapper().readTree(line).path("text").asText();
                String[] sentences = text.split("\\. ", 3);
                String cut = sentences.length > 2 ? sentences[0] + ". " + sentences[1] + "." : text;
                out.append(Json.mapper().createObjectNode().put("text", cut)).append('\n');
            }
        }
        Files.writeString(target, out);
        return target;
    }

    @AfterAll
    void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** The masks of the in-process pruner (one JVM, no Kafka) on the same inputs and task split. */
    synchronized Map<Double, MaskDocument> inProcess(int samplesPerTask) throws IOException {
        if (!reference.containsKey(samplesPerTask)) {
            Path out = Files.createTempDirectory(work, "in-process-");
            LocalPruner.run(new LocalPruner.Request(CheckpointLoader.load(model), tokenizer, shards, BUDGETS,
                    ScoringSettings.defaults(ScorerKind.FISHER).withFisher(4, 4), 256, samplesPerTask, out), ScoringProgress.NONE);
            reference.put(samplesPerTask, readMasks(out));
        }
        return reference.get(samplesPerTask);
    }

    static Map<Double, MaskDocument> readMasks(Path out) throws IOException {
        Map<Double, MaskDocument> masks = new HashMap<>();
        for (double b : BUDGETS) {
            try (InputStream in = Files.newInputStream(out.resolve(JobOutputs.budgetDirName(b))
                    .resolve(JobOutputs.MASK_FILE))) {
                masks.put(b, MaskJson.read(in));
            }
        }
        return masks;
    }

    CoordinatorClient client() {
        return fleet.client();
    }

    String submit(int samplesPerTask) {
        JobRequest request = new JobRequest(JobRequest.SCHEMA_VERSION, "minilm", inputs.modelUri(),
                inputs.tokenizerUri(), inputs.calibrationUris(), BUDGETS, FISHER, null,
                samplesPerTask, null, null, "test");
        return client().submit(request);
    }

    JsonNode await(String jobId) throws InterruptedException {
        return FleetJob.await(client(), jobId, JOB_TIMEOUT, s -> { });
    }

    /** Polls the job (through whichever coordinator is current) until the condition holds. */
    JsonNode awaitStatus(String jobId, Predicate<JsonNode> condition) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            JsonNode s = client().status(jobId);
            if (condition.test(s)) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, "job " + jobId + " never reached the condition: " + s);
            Thread.sleep(200);
        }
    }

    void assertSameMasks(JsonNode status, int samplesPerTask) throws IOException {
        assertEquals("done", status.path("state").asText(), status.toString());
        assertEquals(status.path("tasks_total").asInt(), status.path("tasks_done").asInt(), status.toString());
        Path out = Files.createTempDirectory(work, "fleet-");
        FleetJob.download(fleet.store(), status, out);
        Map<Double, MaskDocument> fleetMasks = readMasks(out);
        Map<Double, MaskDocument> expected = inProcess(samplesPerTask);
        for (double b : BUDGETS) {
            MaskDocument got = fleetMasks.get(b);
            MaskDocument want = expected.get(b);
            // The job names its outputs after the request; the weights are what must be the same.
            assertEquals(want.model().weightsSha256(), got.model().weightsSha256(), "budget " + b);
            for (int l = 0; l < want.heads().length; l++) {
                assertArrayEquals(want.heads()[l], got.heads()[l], "budget " + b + ", heads of layer " + l);
                assertArrayEquals(want.neurons()[l], got.neurons()[l], "budget " + b + ", neurons of layer " + l);
            }
            assertEquals(want.keptFraction(), got.keptFraction(), 1e-12, "budget " + b);
        }
    }

    KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fleet.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(32 << 20)),
                new StringDeserializer(), new StringDeserializer());
    }

    /** Every message on a topic now, from the beginning. */
    List<ConsumerRecord<String, String>> readAll(String topic) {
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> c = consumer()) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                c.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }

    @Test
    @Order(1)
    void aJobOnTwoWorkersGivesTheInProcessMasks() throws Exception {
        String job = submit(8);
        JsonNode status = await(job);
        assertSameMasks(status, 8);
    }

    @Test
    @Order(2)
    void duplicatedScoresAndRedeliveredTasksLeaveTheMasksUnchanged() throws Exception {
        String job = submit(8);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger tasksRepublished = new AtomicInteger();
        AtomicInteger scoresRepublished = new AtomicInteger();
        // Plays a misbehaving network: every task and every score of the job is sent a second time.
        Thread chaos = new Thread(() -> {
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<String, String> c = consumer();
                 KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fleet.bootstrapServers(),
                         ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(32 << 20)),
                         new StringSerializer(), new StringSerializer())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of(Topics.SCORING_TASKS, Topics.TASK_SCORES)) {
                    c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        if (r.value().contains("\"job_id\":\"" + job + "\"")
                                && seen.add(r.topic() + "|" + r.key())) {
                            p.send(new ProducerRecord<>(r.topic(), r.key(), r.value()));
                            (r.topic().equals(Topics.SCORING_TASKS) ? tasksRepublished : scoresRepublished)
                                    .incrementAndGet();
                        }
                    }
                    p.flush();
                }
            }
        }, "chaos");
        chaos.start();
        JsonNode status;
        try {
            status = await(job);
        } finally {
            stop.set(true);
            chaos.join();
        }
        assertTrue(tasksRepublished.get() > 0 && scoresRepublished.get() > 0,
                "nothing was duplicated: " + tasksRepublished + " tasks, " + scoresRepublished + " scores");
        assertSameMasks(status, 8);
    }

    @Test
    @Order(3)
    void aWorkerThatDiesMidJobHasItsTasksRedoneByTheOther() throws Exception {
        String job = submit(1);
        awaitStatus(job, s -> s.path("tasks_done").asInt() >= 2);
        QuarkusAppProcess victim = fleet.workers().get(0);
        victim.kill();
        JsonNode status = await(job);
        assertSameMasks(status, 1);
        Set<String> workersAfter = new HashSet<>();
        for (ConsumerRecord<String, String> r : readAll(Topics.TASK_SCORES)) {
            TaskScores s = Json.read(r.value(), TaskScores.class);
            if (s.jobId().equals(job)) {
                workersAfter.add(s.workerId());
            }
        }
        assertTrue(workersAfter.contains("worker-2"), "the surviving worker scored nothing: " + workersAfter);
        fleet.startWorker("worker-3");
    }

    @Test
    @Order(4)
    void aRestartedCoordinatorFinishesTheJobWithoutRescoringCompletedTasks() throws Exception {
        String job = submit(1);
        JsonNode before = awaitStatus(job, s -> s.path("tasks_done").asInt() >= 3);
        fleet.coordinator().kill();
        fleet.restartCoordinator();
        JsonNode status = await(job);
        assertTrue(before.path("tasks_done").asInt() < status.path("tasks_total").asInt(),
                "the job finished before the coordinator was killed; nothing was tested: " + before);
        assertSameMasks(status, 1);
        // The restarted coordinator republished only tasks without a stored result: the tasks_done results of
        // `before` were on the scores topic, so at most tasks_total - tasks_done tasks are published a second time,
        // none a third. (Republishing a scoring job's missing tasks is what recovers a task record lost with a
        // broker; a task still queued is then scored twice and merged once, like any redelivery.)
        Map<String, Integer> publishedPerTask = new HashMap<>();
        for (ConsumerRecord<String, String> r : readAll(Topics.SCORING_TASKS)) {
            ScoringTaskMessage t = Json.read(r.value(), ScoringTaskMessage.class);
            if (t.jobId().equals(job)) {
                publishedPerTask.merge(t.taskId(), 1, Integer::sum);
            }
        }
        int total = status.path("tasks_total").asInt();
        assertEquals(total, publishedPerTask.size());
        publishedPerTask.forEach((task, n) -> assertTrue(n <= 2, "task " + task + " was published " + n + " times"));
        long again = publishedPerTask.values().stream().filter(n -> n == 2).count();
        assertTrue(again <= total - before.path("tasks_done").asInt(),
                again + " tasks published again, but " + before.path("tasks_done").asInt() + " of " + total
                        + " had stored results before the restart");
        Set<String> scored = new HashSet<>();
        for (ConsumerRecord<String, String> r : readAll(Topics.TASK_SCORES)) {
            TaskScores s = Json.read(r.value(), TaskScores.class);
            if (s.jobId().equals(job)) {
                scored.add(s.taskId());
            }
        }
        assertEquals(publishedPerTask.keySet(), scored);
    }

    @Test
    @Order(5)
    void aJobWithACorruptModelFailsNamingTheObjectAndTheFleetServesTheNext() throws Exception {
        S3Uri corrupt = S3Uri.parse("s3://models/corrupt/model.onnx");
        fleet.store().putBytes(corrupt, "not a protobuf".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String bad = client().submit(new JobRequest(JobRequest.SCHEMA_VERSION, "corrupt", corrupt.toString(),
                inputs.tokenizerUri(), inputs.calibrationUris(), BUDGETS, FISHER, null, 8, null,
                null, "test"));
        JsonNode failed = awaitStatus(bad, s -> s.path("state").asText().equals("failed")
                || s.path("state").asText().equals("done"));
        assertEquals("failed", failed.path("state").asText(), failed.toString());
        assertTrue(failed.path("error").asText().contains(corrupt.toString()), failed.toString());
        assertSameMasks(await(submit(8)), 8);
    }
}
