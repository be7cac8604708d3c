package dev.optinfleet.registry.events;

import dev.optinfleet.registry.kafka.CompactedLog;
import dev.optinfleet.registry.kafka.KafkaLogException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.schemas.events.ProcessedCheckpoint;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger of checkpoint versions that already started a job, so that one version never starts two: not when its
 * config.json and weights events both complete it, not when a message is redelivered, not when the event topic is
 * replayed, not after a restart.
 *
 * <p>Why a compacted Kafka topic rather than marker objects in storage: the coordinator already recovers its state
 * from compacted topics at start-up, so this adds no new kind of dependency; the entry and the job request can be
 * written in one Kafka transaction ({@link #claimAndPublish}), so a crash can neither start a job without recording
 * it nor record one without starting it; compaction keeps one record per version forever at a few hundred bytes;
 * and S3 offers no portable conditional create (s3proxy and older MinIO lack {@code If-None-Match}), so two markers
 * could race where the transactional writer cannot (a newer instance fences the older one).
 *
 * <p>Start-up reads the topic from the beginning ({@link #open}); a claim is durable (committed, {@code acks=all})
 * before it returns. Key {@code bucket/weights-key@etag} ({@link CheckpointVersion#key()}), value
 * {@link ProcessedCheckpoint} JSON; a null value forgets a version (it may start a job again).
 *
 * <p>Failures are {@link KafkaLogException}s: {@code Unavailable} (retry the event later), {@code Fenced} (another
 * coordinator took over: stop), {@code Misconfigured} (the topic is missing). Thread-safe: calls are serialised.
 */
public final class ProcessedCheckpoints implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessedCheckpoints.class);

    private final LedgerSettings settings;
    private final CompactedLog log;
    private final Clock clock;
    private final Object lock = new Object();
    /** ledger key -> entry; guarded by lock. */
    private final Map<String, ProcessedCheckpoint> entries = new HashMap<>();

    private ProcessedCheckpoints(LedgerSettings settings, CompactedLog log, Clock clock) {
        this.settings = settings;
        this.log = log;
        this.clock = clock;
    }

    public static ProcessedCheckpoints open(LedgerSettings settings) {
        return open(settings, Clock.systemUTC());
    }

    /** Opens the ledger and reads every entry written before, fencing older writers with the same id. */
    public static ProcessedCheckpoints open(LedgerSettings settings, Clock clock) {
        Objects.requireNonNull(settings, "settings");
        CompactedLog log = CompactedLog.open(settings.clientProperties(), settings.topic(),
                settings.transactionalId(), settings.timeout());
        ProcessedCheckpoints ledger = new ProcessedCheckpoints(settings, log, Objects.requireNonNull(clock, "clock"));
        try {
            ledger.refresh();
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        LOG.info("checkpoint ledger on {} opened with {} processed version(s)", settings.topic(), ledger.size());
        return ledger;
    }

    /** The job this version started, if it started one. */
    public Optional<String> jobFor(CheckpointVersion version) {
        synchronized (lock) {
            ProcessedCheckpoint entry = entries.get(version.key());
            return entry == null ? Optional.empty() : Optional.of(entry.jobId());
        }
    }

    /**
     * Records that {@code version} started {@code jobId}, unless it already started a job.
     *
     * @return true when this call recorded it (start the job); false when it was recorded before (do not)
     */
    public boolean claim(CheckpointVersion version, String jobId) {
        return claimAndPublish(version, jobId, List.of());
    }

    /**
     * Records that {@code version} started {@code jobId} and writes {@code alsoWrite} (e.g. the job request on
     * {@link dev.optinfleet.schemas.Topics#JOB_REQUESTS}) in the same transaction: both or neither. Nothing is
     * written when the version was recorded before.
     *
     * @return true when this call recorded it; false when it was recorded before
     */
    public boolean claimAndPublish(CheckpointVersion version, String jobId,
                                   List<ProducerRecord<String, String>> alsoWrite) {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(alsoWrite, "alsoWrite");
        synchronized (lock) {
            readNew();
            if (entries.containsKey(version.key())) {
                return false;
            }
            ProcessedCheckpoint entry = new ProcessedCheckpoint(ProcessedCheckpoint.SCHEMA_VERSION, version.bucket(),
                    version.weightsKey(), version.etag(), jobId, clock.millis());
            List<ProducerRecord<String, String>> records = new ArrayList<>(alsoWrite);
            records.add(0, new ProducerRecord<>(settings.topic(), entry.key(), Json.write(entry)));
            log.write(records);
            entries.put(entry.key(), entry);
            return true;
        }
    }

    /** Reads entries written since the last read (by a predecessor before a takeover). */
    public void refresh() {
        synchronized (lock) {
            readNew();
        }
    }

    /** Versions recorded. */
    public int size() {
        synchronized (lock) {
            return entries.size();
        }
    }

    @Override
    public void close() {
        log.close();
    }

    private void readNew() {
        for (ConsumerRecord<String, String> record : log.readNew()) {
            if (record.value() == null) {
                entries.remove(record.key());
                continue;
            }
            try {
                ProcessedCheckpoint entry = Json.read(record.value(), ProcessedCheckpoint.class);
                entries.put(entry.key(), entry);
            } catch (MalformedMessageException e) {
                LOG.warn("skipping record at {}-{}@{} on the checkpoint ledger: {}", record.topic(),
                        record.partition(), record.offset(), e.getMessage());
            }
        }
    }
}
