package dev.optinfleet.coordinator.recovery;

import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.TaskScores;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the coordinator's state back from Kafka with a plain consumer: {@code optin.job-status} from the beginning
 * to its end offsets at the time of the call (compacted: the latest status per job wins, a tombstone forgets the
 * job), then {@code optin.task-scores} the same way, keeping the results of unfinished jobs only.
 *
 * <p>A plain, group-less consumer ({@code assign} + {@code seekToBeginning}), because the read must start at
 * offset 0 and stop at a known end whatever a consumer group committed, which SmallRye channels do not offer.
 * The consumer is created, used and closed inside {@link #read}, by the calling thread only.
 */
public final class StateReader {
    private static final Logger LOG = Logger.getLogger(StateReader.class);
    /**
     * Fisher scores of a whole model (~300 KB for MiniLM, ~1.5 MB for BERT-base, tens of MB for a large model) must
     * fit one fetch: the task-scores topic's 32 MiB.
     */
    static final int MAX_FETCH_BYTES = 32 * 1024 * 1024;
    private static final Duration POLL = Duration.ofMillis(500);

    private final Map<String, Object> consumerConfig;
    private final Duration timeout;

    /**
     * @param bootstrapServers the cluster
     * @param timeout          bound on the whole read
     */
    public StateReader(String bootstrapServers, Duration timeout) {
        this(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), timeout);
    }

    /**
     * @param clientProperties the cluster and its security settings ({@code KafkaClientProperties})
     * @param timeout          bound on the whole read
     */
    public StateReader(Map<String, Object> clientProperties, Duration timeout) {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_FETCH_BYTES);
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, MAX_FETCH_BYTES);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "optin-coordinator-recovery");
        this.consumerConfig = Map.copyOf(c);
        this.timeout = timeout;
    }

    /**
     * @throws IllegalStateException when the topics cannot be read to their end within the timeout
     */
    public RecoveredState read() {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, JobStatus> statuses = new LinkedHashMap<>();
        Map<String, Map<String, TaskScores>> scores = new HashMap<>();
        List<String> malformed = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new StringDeserializer())) {
            readAll(consumer, Topics.JOB_STATUS, deadline, r -> {
                if (r.value() == null) {
                    statuses.remove(r.key());
                    return;
                }
                try {
                    JobStatus s = Json.read(r.value(), JobStatus.class);
                    statuses.put(s.jobId(), s);
                } catch (RuntimeException e) {
                    malformed.add(position(r) + ": " + e.getMessage());
                }
            });
            readAll(consumer, Topics.TASK_SCORES, deadline, r -> {
                if (r.value() == null || !unfinished(statuses, jobOfKey(r.key()))) {
                    return;
                }
                try {
                    TaskScores s = Json.read(r.value(), TaskScores.class);
                    if (unfinished(statuses, s.jobId())) {
                        scores.computeIfAbsent(s.jobId(), k -> new LinkedHashMap<>()).putIfAbsent(s.taskId(), s);
                    }
                } catch (RuntimeException e) {
                    malformed.add(position(r) + ": " + e.getMessage());
                }
            });
        }
        malformed.forEach(m -> LOG.warnf("skipped an unreadable record while recovering: %s", m));
        return new RecoveredState(statuses, scores, malformed);
    }

    /** The job id of a scores key {@code job/task}; null (meaning "read the value to know") without a '/'. */
    private static String jobOfKey(String key) {
        int slash = key == null ? -1 : key.indexOf('/');
        return slash < 0 ? null : key.substring(0, slash);
    }

    private static boolean unfinished(Map<String, JobStatus> statuses, String jobId) {
        if (jobId == null) {
            return true;
        }
        JobStatus s = statuses.get(jobId);
        return s != null && !s.state().isFinal();
    }

    private void readAll(KafkaConsumer<String, String> consumer, String topic, long deadline,
                         Consumer<ConsumerRecord<String, String>> sink) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, remaining(deadline, topic));
        if (infos == null || infos.isEmpty()) {
            LOG.infof("topic %s does not exist yet: nothing to recover from it", topic);
            return;
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, remaining(deadline, topic)));
        end.entrySet().removeIf(e -> e.getValue() <= consumer.position(e.getKey(), remaining(deadline, topic)));
        long records = 0;
        while (!end.isEmpty()) {
            remaining(deadline, topic);
            for (ConsumerRecord<String, String> r : consumer.poll(POLL)) {
                Long stop = end.get(new TopicPartition(r.topic(), r.partition()));
                if (stop != null && r.offset() < stop) {
                    sink.accept(r);
                    records++;
                }
            }
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        }
        consumer.unsubscribe();
        LOG.infof("recovery read %d records of %s", records, topic);
    }

    private static Duration remaining(long deadline, String topic) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new IllegalStateException("could not read topic " + topic + " to its end in time; is Kafka up?");
        }
        return Duration.ofNanos(left);
    }

    private static String position(ConsumerRecord<?, ?> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }
}
