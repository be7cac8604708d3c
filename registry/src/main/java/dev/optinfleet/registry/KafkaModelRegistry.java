package dev.optinfleet.registry;

import dev.optinfleet.registry.kafka.CompactedLog;
import dev.optinfleet.registry.kafka.KafkaLogException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The default {@link ModelRegistry}, with no server of its own: versions are records on a compacted Kafka topic
 * (key {@code name/version}, value the {@link ModelVersion} JSON; a null value deletes a version), and an index
 * object in storage ({@link RegistryIndex}) is rewritten after each registration for readers without Kafka.
 *
 * <p>Start-up reads the topic from the beginning and rebuilds the state, so a restarted instance sees every
 * version and continues numbering after the highest ever written for a name (a deleted version's number is not
 * reused). The topic is the truth; the index is derived from it: a failed index write is logged and retried at the
 * next registration ({@link #indexCurrent()} tells), never undoing a registration.
 *
 * <p>One writer at a time: registrations are Kafka transactions under the configured transactional id, so a newer
 * instance with the same id fences an older one, whose next {@link #register} throws
 * {@link RegistryFencedException}. Before numbering, {@link #register} reads whatever the topic gained since, so a
 * takeover continues from the versions its predecessor wrote.
 *
 * <p>Thread-safe: calls are serialised on this instance (its Kafka consumer belongs to whoever holds the lock).
 * {@link #list} and {@link #get} answer from memory: versions read at start-up, at the last registration or
 * {@link #refresh()}.
 */
public final class KafkaModelRegistry implements ModelRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaModelRegistry.class);

    private final KafkaRegistrySettings settings;
    private final ObjectStore store;
    private final Clock clock;
    private final CompactedLog log;
    private final Object lock = new Object();
    /** name -> version -> registered version; guarded by lock. */
    private final Map<String, TreeMap<Integer, ModelVersion>> versions = new TreeMap<>();
    /** name -> highest version number ever written, deleted ones included; guarded by lock. */
    private final Map<String, Integer> highest = new HashMap<>();
    private boolean indexCurrent;
    private int skippedRecords;

    private KafkaModelRegistry(KafkaRegistrySettings settings, ObjectStore store, Clock clock, CompactedLog log) {
        this.settings = settings;
        this.store = store;
        this.clock = clock;
        this.log = log;
    }

    /** Opens the registry with the system clock; see {@link #open(KafkaRegistrySettings, ObjectStore, Clock)}. */
    public static KafkaModelRegistry open(KafkaRegistrySettings settings, ObjectStore store) {
        return open(settings, store, Clock.systemUTC());
    }

    /**
     * Opens the registry: reads the whole topic, fences older writers with the same transactional id, and rewrites
     * the index object.
     *
     * @throws RegistryRequestException     when the topic does not exist or cannot be used
     * @throws RegistryUnavailableException when Kafka does not answer in time
     */
    public static KafkaModelRegistry open(KafkaRegistrySettings settings, ObjectStore store, Clock clock) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(clock, "clock");
        CompactedLog log;
        try {
            log = CompactedLog.open(settings.clientProperties(), settings.topic(), settings.transactionalId(),
                    settings.timeout());
        } catch (KafkaLogException e) {
            throw translate("open the model registry", e);
        }
        try {
            store.ensureBucket(settings.indexUri().bucket());
        } catch (StorageException e) {
            LOG.warn("cannot create the bucket of the registry index {}: {}", settings.indexUri(), e.getMessage());
        }
        KafkaModelRegistry registry = new KafkaModelRegistry(settings, store, clock, log);
        try {
            synchronized (registry.lock) {
                registry.catchUp();
                registry.writeIndex();
            }
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
        LOG.info("model registry on {} opened with {} version(s) of {} model(s)", settings.topic(),
                registry.list().size(), registry.versions.size());
        return registry;
    }

    @Override
    public ModelVersion register(ModelVersionDraft draft) {
        Objects.requireNonNull(draft, "draft");
        synchronized (lock) {
            catchUp();
            for (ModelVersion existing : versions.getOrDefault(draft.name(), new TreeMap<>()).values()) {
                if (draft.sameOutputAs(existing)) {
                    LOG.info("{} is already registered for job {} at budget {}; not adding a version",
                            existing.key(), existing.jobId(), existing.budget());
                    if (!indexCurrent) {
                        writeIndex();
                    }
                    return existing;
                }
            }
            int next = highest.getOrDefault(draft.name(), 0) + 1;
            ModelVersion version = draft.toVersion(next, clock.millis());
            try {
                log.write(List.of(new ProducerRecord<>(settings.topic(), version.key(), Json.write(version))));
            } catch (KafkaLogException e) {
                throw translate("register " + version.key(), e);
            }
            apply(version.key(), version);
            writeIndex();
            return version;
        }
    }

    @Override
    public List<ModelVersion> list() {
        synchronized (lock) {
            List<ModelVersion> all = new ArrayList<>();
            versions.values().forEach(byNumber -> all.addAll(byNumber.values()));
            return List.copyOf(all);
        }
    }

    @Override
    public List<ModelVersion> list(String name) {
        synchronized (lock) {
            TreeMap<Integer, ModelVersion> byNumber = versions.get(name);
            return byNumber == null ? List.of() : List.copyOf(byNumber.values());
        }
    }

    @Override
    public Optional<ModelVersion> get(String name, int version) {
        synchronized (lock) {
            TreeMap<Integer, ModelVersion> byNumber = versions.get(name);
            return Optional.ofNullable(byNumber == null ? null : byNumber.get(version));
        }
    }

    /** Reads what the topic gained since the last read (versions written by another instance before a takeover). */
    public void refresh() {
        synchronized (lock) {
            catchUp();
        }
    }

    /** Whether the index object reflects every registration (false after a failed index write, until one succeeds). */
    public boolean indexCurrent() {
        synchronized (lock) {
            return indexCurrent;
        }
    }

    /** Records on the topic that were not valid versions and were skipped (logged at WARN). */
    public int skippedRecords() {
        synchronized (lock) {
            return skippedRecords;
        }
    }

    public KafkaRegistrySettings settings() {
        return settings;
    }

    @Override
    public void close() {
        log.close();
    }

    private void catchUp() {
        List<ConsumerRecord<String, String>> records;
        try {
            records = log.readNew();
        } catch (KafkaLogException e) {
            throw translate("read the model registry", e);
        }
        for (ConsumerRecord<String, String> record : records) {
            if (record.value() == null) {
                apply(record.key(), null);
                continue;
            }
            try {
                ModelVersion version = Json.read(record.value(), ModelVersion.class);
                if (!version.key().equals(record.key())) {
                    throw new MalformedMessageException("key '" + record.key() + "' does not match the value's "
                            + version.key());
                }
                apply(record.key(), version);
            } catch (MalformedMessageException e) {
                skippedRecords++;
                LOG.warn("skipping record at {}-{}@{} on the registry topic: {}", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
        }
    }

    /** Adds, replaces or (value null) deletes the version under key {@code name/version}. */
    private void apply(String key, ModelVersion version) {
        if (version != null) {
            versions.computeIfAbsent(version.name(), n -> new TreeMap<>()).put(version.version(), version);
            highest.merge(version.name(), version.version(), Math::max);
            return;
        }
        int slash = key == null ? -1 : key.lastIndexOf('/');
        if (slash <= 0) {
            skippedRecords++;
            LOG.warn("skipping a tombstone with key '{}' on the registry topic: not name/version", key);
            return;
        }
        String name = key.substring(0, slash);
        int number;
        try {
            number = Integer.parseInt(key.substring(slash + 1));
        } catch (NumberFormatException e) {
            skippedRecords++;
            LOG.warn("skipping a tombstone with key '{}' on the registry topic: not name/version", key);
            return;
        }
        highest.merge(name, number, Math::max);
        TreeMap<Integer, ModelVersion> byNumber = versions.get(name);
        if (byNumber != null) {
            byNumber.remove(number);
            if (byNumber.isEmpty()) {
                versions.remove(name);
            }
        }
    }

    private void writeIndex() {
        Map<String, List<ModelVersion>> models = new TreeMap<>();
        versions.forEach((name, byNumber) -> models.put(name, List.copyOf(byNumber.values())));
        RegistryIndex index = new RegistryIndex(RegistryIndex.SCHEMA_VERSION, clock.millis(), settings.topic(),
                models);
        try {
            store.putBytes(settings.indexUri(), Json.writePretty(index).getBytes(StandardCharsets.UTF_8),
                    "application/json", Map.of());
            indexCurrent = true;
        } catch (StorageException e) {
            indexCurrent = false;
            LOG.warn("registry index {} not written ({}); the topic {} holds every version, the index is retried "
                    + "at the next registration", settings.indexUri(), e.getMessage(), settings.topic());
        }
    }

    private static RegistryException translate(String operation, KafkaLogException e) {
        String message = "cannot " + operation + ": " + e.getMessage();
        if (e instanceof KafkaLogException.Fenced) {
            return new RegistryFencedException(message, e);
        }
        if (e.isRetryable()) {
            return new RegistryUnavailableException(message, e);
        }
        return new RegistryRequestException(message, e);
    }
}
