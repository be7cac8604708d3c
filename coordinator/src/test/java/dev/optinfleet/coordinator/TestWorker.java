package dev.optinfleet.coordinator;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.TaskSpec;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The test plays the worker: it reads the coordinator's tasks from the real task topic, runs core's
 * {@link TaskRunner} on the real MiniLM (as the worker does) and publishes {@link TaskScores} to the real scores
 * topic. Results are cached per distinct task (model, shard, settings, task), so several jobs of the same request
 * cost one scoring run per task. A task's spec is read field by field without defaults: a task whose scoring spec
 * is incomplete fails here.
 *
 * <p>Its Kafka clients belong to the test thread; close it after each test. The model and encoder are loaded once
 * per JVM.
 */
final class TestWorker implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final Map<String, List<UnitTermsMessage>> RESULTS = new ConcurrentHashMap<>();
    private static Checkpoint checkpoint;
    private static Encoder encoder;
    private static final Map<Integer, TokenBatch> BATCHES = new HashMap<>();

    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> tasks;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    TestWorker(String bootstrapServers) {
        this(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** With these connection properties (bootstrap servers, and SASL settings for a secured broker). */
    TestWorker(Map<String, Object> connection) {
        Map<String, Object> producerConfig = new HashMap<>(connection);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 32 * 1024 * 1024);
        producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer());
        Map<String, Object> consumerConfig = new HashMap<>(connection);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        tasks = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < CoordFleetResources.TASK_PARTITIONS; p++) {
            partitions.add(new TopicPartition(Topics.SCORING_TASKS, p));
        }
        tasks.assign(partitions);
        tasks.seekToBeginning(partitions);
    }

    /** Every task record published so far (polls once). */
    List<ConsumerRecord<String, String>> taskRecords() {
        for (ConsumerRecord<String, String> r : tasks.poll(Duration.ofMillis(200))) {
            seen.add(r);
        }
        return List.copyOf(seen);
    }

    /** Every task record published before this call: reads the task topic up to its current end offsets. */
    List<ConsumerRecord<String, String>> taskRecordsToEnd() {
        Map<TopicPartition, Long> end = tasks.endOffsets(tasks.assignment());
        await().atMost(TIMEOUT).until(() -> {
            taskRecords();
            return end.entrySet().stream().allMatch(e -> tasks.position(e.getKey()) >= e.getValue());
        });
        return List.copyOf(seen);
    }

    /** The tasks of the job published so far, in publication order per partition (polls once). */
    List<ScoringTaskMessage> tasksOf(String jobId) {
        return taskRecords().stream().map(r -> Json.read(r.value(), ScoringTaskMessage.class))
                .filter(t -> t.jobId().equals(jobId)).toList();
    }

    /** Waits until the job has at least {@code count} tasks on the topic. */
    List<ScoringTaskMessage> awaitTasks(String jobId, int count) {
        AtomicReference<List<ScoringTaskMessage>> found = new AtomicReference<>();
        await().atMost(TIMEOUT).until(() -> {
            found.set(tasksOf(jobId));
            return found.get().size() >= count;
        });
        return found.get();
    }

    /** Scores the task as a worker would (or takes the cached result of an identical task). */
    TaskScores score(ScoringTaskMessage task) {
        // Every model the tests use is the same MiniLM, wherever it was uploaded.
        String key = task.shardUri() + "|" + task.shardIndex() + "|"
                + Json.write(task.scoring()) + "|" + Json.write(task.task());
        List<UnitTermsMessage> terms = RESULTS.computeIfAbsent(key, k -> run(task));
        long units = terms.stream().mapToLong(t -> t.feature().length).sum();
        return new TaskScores(TaskScores.SCHEMA_VERSION, task.jobId(), task.taskId(), "test-worker", terms, units,
                1, "test");
    }

    /** The same result attributed to another job (what a task of an identical job would produce). */
    static TaskScores forJob(TaskScores scores, String jobId) {
        return new TaskScores(TaskScores.SCHEMA_VERSION, jobId, scores.taskId(), scores.workerId(), scores.terms(),
                scores.unitsScored(), scores.elapsedMs(), scores.engine());
    }

    void publish(TaskScores scores) {
        send(Topics.TASK_SCORES, scores.key(), Json.write(scores));
    }

    /** Sends and waits for the broker's acknowledgement. */
    void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e, e);
        }
    }

    @Override
    public void close() {
        tasks.close();
        producer.close(Duration.ofSeconds(5));
    }

    /** The settings of a complete spec, read without defaults (the coordinator must have filled every field). */
    static ScoringSettings settings(ScoringSpec s) {
        assertNotNull(s.scorer(), "scoring.scorer");
        assertNotNull(s.tokenRows(), "scoring.token_rows");
        assertNotNull(s.lambda(), "scoring.lambda");
        assertNotNull(s.headMultiplier(), "scoring.head_multiplier");
        assertNotNull(s.lastLayerMultiplier(), "scoring.last_layer_multiplier");
        assertNotNull(s.seed(), "scoring.seed");
        assertNotNull(s.maxSamples(), "scoring.max_samples");
        assertNotNull(s.unitBatch(), "scoring.unit_batch");
        assertNotNull(s.fisherProbes(), "scoring.fisher_probes");
        assertNotNull(s.fisherBatch(), "scoring.fisher_batch");
        return new ScoringSettings(ScorerKind.fromWireName(s.scorer()), s.tokenRows(), s.lambda(),
                s.outputWeight() == null ? Double.NaN : s.outputWeight(), s.headMultiplier(),
                s.lastLayerMultiplier(), s.seed(), s.maxSamples(), s.unitBatch(), s.fisherProbes(), s.fisherBatch());
    }

    static ScoringTask coreTask(TaskSpec spec, int shard) {
        if ("gradient_batch".equals(spec.type())) {
            return new ScoringTask.GradientBatch(shard, spec.sampleFrom(), spec.sampleTo());
        }
        return new ScoringTask.UnitRange(shard, spec.layer(), "head".equals(spec.kind()) ? UnitKind.HEAD
                : UnitKind.NEURON, spec.from(), spec.count());
    }

    private static synchronized List<UnitTermsMessage> run(ScoringTaskMessage task) {
        boolean uploaded = task.modelUri().equals(CoordFleetResources.EVENT_MODEL.toString());
        assertEquals((uploaded ? CoordFleetResources.EVENT_MODEL : CoordFleetResources.MODEL).toString(),
                task.modelUri(), "model_uri of " + task.taskId());
        assertEquals((uploaded ? CoordFleetResources.EVENT_TOKENIZER : CoordFleetResources.TOKENIZER).toString(),
                task.tokenizerUri(), "tokenizer_uri");
        assertEquals(CoordFleetResources.SHARD.toString(), task.shardUri(), "shard_uri");
        ScoringSettings settings = settings(task.scoring());
        ScoringTask core = coreTask(task.task(), task.shardIndex());
        if (encoder == null) {
            checkpoint = CheckpointLoader.load(CoordFleetResources.localModel());
            encoder = Encoder.load(checkpoint);
        }
        TokenBatch batch = BATCHES.computeIfAbsent(settings.maxSamples(), n -> {
            try (TextTokenizer tokenizer = TextTokenizer.load(CoordFleetResources.localTokenizer(),
                    checkpoint.config().maxPositions())) {
                return CalibrationReader.read(CoordFleetResources.localShard()).tokenize(tokenizer, n);
            }
        });
        boolean exact = core instanceof ScoringTask.UnitRange;
        try (TeacherPass teacher = exact ? new TeacherPass(encoder, batch, settings) : null) {
            List<UnitTermsMessage> out = new ArrayList<>();
            for (UnitTerms t : TaskRunner.run(core, encoder, batch, teacher, settings)) {
                out.add(JobOutputs.toMessage(t));
            }
            return out;
        }
    }
}
