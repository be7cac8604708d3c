package dev.optinfleet.registry.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compacted Kafka topic used as a durable key-value log: read back in full at start-up, appended to in
 * transactions. The state built from it (a registry, a ledger) belongs to the caller.
 *
 * <p>Writes go through a transactional producer ({@code transactional.id} from the caller): opening a second log with
 * the same id fences the first, whose next write fails with {@link KafkaLogException.Fenced}; one writer at a time,
 * without a lock service. Reads use a {@code read_committed} consumer assigned to every partition (no consumer
 * group), so aborted writes are never seen. A write may add records to other topics in the same transaction (a
 * ledger entry and the job request it allows, together or not at all).
 *
 * <p>Not thread-safe: the consumer belongs to one thread at a time; callers serialise {@link #readNew()} and
 * {@link #write} (the registry and ledger do so under their own lock).
 */
public final class CompactedLog implements AutoCloseable {

    private final String topic;
    private final Duration timeout;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final List<TopicPartition> partitions;

    private CompactedLog(String topic, Duration timeout, KafkaProducer<String, String> producer,
                         KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
        this.topic = topic;
        this.timeout = timeout;
        this.producer = producer;
        this.consumer = consumer;
        this.partitions = partitions;
    }

    /**
     * Opens the log: checks the topic exists, positions the reader at its beginning, and initialises the transactional
     * writer (which fences any earlier writer with the same id).
     *
     * @param clientProperties Kafka client properties shared by producer and consumer (at least
     *                         {@code bootstrap.servers}; security settings go here too)
     * @throws KafkaLogException.Misconfigured when the topic does not exist
     * @throws KafkaLogException.Unavailable   when the broker does not answer within the timeout
     */
    public static CompactedLog open(Map<String, Object> clientProperties, String topic, String transactionalId,
                                    Duration timeout) {
        Objects.requireNonNull(clientProperties, "clientProperties");
        requireText("topic", topic);
        requireText("transactionalId", transactionalId);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        Map<String, Object> consumerProps = new HashMap<>(clientProperties);
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A missing topic is a deployment error; auto-creating it would make an uncompacted one.
        consumerProps.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-reader");

        Map<String, Object> producerProps = new HashMap<>(clientProperties);
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-writer");

        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps);
        KafkaProducer<String, String> producer = null;
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new KafkaLogException.Misconfigured("topic " + topic + " does not exist; create it with "
                        + "cleanup.policy=compact (see k8s/base/topics.yaml)", null);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            producer = new KafkaProducer<>(producerProps);
            producer.initTransactions();
            return new CompactedLog(topic, timeout, producer, consumer, List.copyOf(partitions));
        } catch (KafkaLogException e) {
            closeQuietly(consumer, producer);
            throw e;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            closeQuietly(consumer, producer);
            throw new KafkaLogException.Unavailable("Kafka did not answer within " + timeout + " while opening topic "
                    + topic + "; is the broker up? retry later", e);
        } catch (AuthorizationException | UnsupportedVersionException e) {
            closeQuietly(consumer, producer);
            throw new KafkaLogException.Misconfigured("cannot use topic " + topic + " with transactional id "
                    + transactionalId + ": " + e.getMessage(), e);
        } catch (KafkaException e) {
            closeQuietly(consumer, producer);
            throw new KafkaLogException.Unavailable("cannot open topic " + topic + ": " + e.getMessage(), e);
        }
    }

    public String topic() {
        return topic;
    }

    /**
     * Every committed record after the ones returned before, up to the end of the log as of this call; the first
     * call returns the whole log. Values may be null (tombstones).
     *
     * @throws KafkaLogException.Unavailable when the end is not reached within the timeout
     */
    public List<ConsumerRecord<String, String>> readNew() {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(end)) {
                if (System.nanoTime() > deadline) {
                    throw new KafkaLogException.Unavailable("topic " + topic + " was not read to its end "
                            + end + " within " + timeout + "; retry later", null);
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new KafkaLogException.Unavailable("Kafka did not answer within " + timeout + " while reading topic "
                    + topic + "; retry later", e);
        } catch (KafkaException e) {
            throw new KafkaLogException.Unavailable("cannot read topic " + topic + ": " + e.getMessage(), e);
        }
        return records;
    }

    /**
     * Appends the records in one transaction and waits for the commit: all of them become visible to
     * {@code read_committed} readers, or none do. Records may name other topics than this log's.
     *
     * @throws KafkaLogException.Fenced      when a newer writer with the same transactional id exists
     * @throws KafkaLogException.Unavailable when the transaction could not be committed; it was aborted or its
     *                                       outcome is unknown (a reader sees it after all, or not)
     */
    public void write(List<ProducerRecord<String, String>> records) {
        if (records.isEmpty()) {
            return;
        }
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, String> record : records) {
                producer.send(record);
            }
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException e) {
            throw new KafkaLogException.Fenced("another writer with the same transactional id took over topic "
                    + topic + "; this instance must stop writing: " + e.getMessage(), e);
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw new KafkaLogException.Unavailable("cannot commit " + records.size() + " record(s) to topic "
                    + topic + ": " + e.getMessage() + "; retry later", e);
        }
    }

    @Override
    public void close() {
        closeQuietly(consumer, producer);
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition, timeout) < end.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }

    private static void closeQuietly(KafkaConsumer<?, ?> consumer, KafkaProducer<?, ?> producer) {
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException ignored) {
            // closing is best effort
        }
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // closing is best effort
            }
        }
    }

    private static void requireText(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank, was '" + value + "'");
        }
    }
}
