package dev.optinfleet.coordinator.events;

import dev.optinfleet.coordinator.messaging.KafkaClientProperties;
import dev.optinfleet.coordinator.planning.JobIntake;
import dev.optinfleet.registry.events.CheckpointIntake;
import dev.optinfleet.registry.events.CheckpointPolicy;
import dev.optinfleet.registry.events.LedgerSettings;
import dev.optinfleet.registry.events.ProcessedCheckpoints;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.storage.ObjectStore;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * From checkpoint events to jobs: the configured {@link CheckpointPolicy} (read and checked at start-up, naming the
 * key) decides, the ledger on {@code optin.processed-checkpoints} ({@link ProcessedCheckpoints}, opened at the first
 * event and again after a failed open) keeps each checkpoint version to one job across redeliveries, replays and
 * restarts, and a started job is accepted like any other ({@link JobIntake}, source {@code event}, id
 * {@code ckpt-...} derived from the version, so even a start the ledger missed names the same, known job).
 *
 * <p>Thread-safe; called by the one consumer of the events topic.
 */
@Singleton
@Startup
public class CheckpointEvents {
    private static final Logger LOG = Logger.getLogger(CheckpointEvents.class);

    private final CheckpointPolicy policy;
    private final LedgerSettings ledgerSettings;
    private final ObjectStore store;
    private final JobIntake jobs;
    private ProcessedCheckpoints ledger; // guarded by this
    private CheckpointIntake intake; // guarded by this

    public CheckpointEvents(EventsConfig config, ObjectStore store, JobIntake jobs,
                            KafkaClientProperties kafka) {
        this.policy = policy(config.policy(), config.policyFile());
        this.store = store;
        this.jobs = jobs;
        try {
            this.ledgerSettings = new LedgerSettings(kafka.common(), config.ledgerTopic(), config.ledgerTransactionalId(), config.ledgerTimeout());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optin.events: " + e.getMessage(), e);
        }
        if (policy.rules().isEmpty()) {
            LOG.info("no checkpoint policy (optin.events.policy or optin.events.policy-file): checkpoint events are"
                    + " logged and rejected");
        } else {
            LOG.infof("checkpoint policy: %s", policy.rules().stream()
                    .map(r -> r.name() + " (s3://" + r.bucket() + "/" + r.keys() + ")").toList());
        }
    }

    /**
     * The policy from the inline JSON or the file, not both; no policy at all is one without rules.
     *
     * @throws IllegalArgumentException naming the key and what is wrong
     */
    static CheckpointPolicy policy(Optional<String> inline, Optional<Path> file) {
        Optional<String> json = inline.filter(s -> !s.isBlank());
        if (json.isPresent() && file.isPresent()) {
            throw new IllegalArgumentException("set optin.events.policy or optin.events.policy-file, not both (policy"
                    + " file " + file.get() + ")");
        }
        String key = "optin.events.policy";
        if (file.isPresent()) {
            key = "optin.events.policy-file (" + file.get() + ")";
            try {
                json = Optional.of(Files.readString(file.get()));
            } catch (IOException e) {
                throw new IllegalArgumentException(key + ": cannot read the policy: " + e, e);
            }
        }
        if (json.isEmpty()) {
            return new CheckpointPolicy(List.of());
        }
        try {
            return CheckpointPolicy.fromJson(json.get());
        } catch (MalformedMessageException | IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " is not a valid checkpoint policy: " + e.getMessage(), e);
        }
    }

    public CheckpointPolicy policy() {
        return policy;
    }

    /**
     * Handles one notification: one outcome per created object, in order.
     *
     * @throws MalformedMessageException naming the field when the message is not a bucket notification
     * @throws RuntimeException          when the job cannot be accepted ({@code InvalidRequestException} naming the
     *                                   field or object), or storage or Kafka fail (typed by the storage and registry
     *                                   modules as retryable or not)
     */
    public List<CheckpointIntake.Outcome> accept(String notification) {
        return intake().accept(notification);
    }

    private synchronized CheckpointIntake intake() {
        if (intake == null) {
            ledger = ProcessedCheckpoints.open(ledgerSettings);
            intake = CheckpointIntake.calling((jobId, request) -> jobs.submit(jobId, request,
                    CheckpointPolicy.SOURCE), policy, store, ledger);
        }
        return intake;
    }

    @PreDestroy
    synchronized void close() {
        if (ledger != null) {
            ledger.close();
            ledger = null;
            intake = null;
        }
    }
}
