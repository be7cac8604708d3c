package dev.optinfleet.registry.events;

import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.events.ObjectCreated;
import dev.optinfleet.schemas.events.S3EventParser;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.ObjectStore;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One message of {@link dev.optinfleet.schemas.Topics#CHECKPOINT_EVENTS} in, jobs out: parses the notification
 * ({@link S3EventParser}), asks the {@link CheckpointPolicy} about each created object, and starts each new
 * checkpoint version once ({@link ProcessedCheckpoints}).
 *
 * <p>Two ways to start a job:
 * <ul>
 *   <li>{@link #publishingTo}: the job request goes to a Kafka topic (key: job id) in the same transaction as the
 *   ledger entry; exactly once, also across crashes.</li>
 *   <li>{@link #calling}: a {@link JobStarter} is called, then the version is recorded. A crash between the two
 *   calls the starter again on redelivery, with the same job id ({@link CheckpointVersion#jobId()}): the starter
 *   must treat a job id it knows as already started.</li>
 * </ul>
 *
 * <p>Errors: {@link dev.optinfleet.schemas.MalformedMessageException} for a notification that is not one (dead-letter
 * it); storage and Kafka failures propagate typed as retryable or not (retry the message, or stop when fenced).
 * Thread-safe when its parts are (they are); meant to be called by the one consumer of the events topic.
 */
public final class CheckpointIntake {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointIntake.class);

    /** Starts a job; see {@link CheckpointIntake#calling}. */
    @FunctionalInterface
    public interface JobStarter {
        /** Starts the job, or does nothing when {@code jobId} is already known. */
        void start(String jobId, JobRequest request);
    }

    /** What became of one created object. */
    public sealed interface Outcome permits Started, AlreadyStarted, Rejected {
    }

    /** A job was started for a new checkpoint version. */
    public record Started(String jobId, CheckpointVersion checkpoint, JobRequest request) implements Outcome {
    }

    /** The version had started a job before; nothing was done. */
    public record AlreadyStarted(String jobId, CheckpointVersion checkpoint) implements Outcome {
    }

    /** The policy started nothing. */
    public record Rejected(Decision.Rejection rejection) implements Outcome {
    }

    private final CheckpointPolicy policy;
    private final ObjectStore store;
    private final ProcessedCheckpoints ledger;
    private final String jobRequestsTopic;
    private final JobStarter starter;

    private CheckpointIntake(CheckpointPolicy policy, ObjectStore store, ProcessedCheckpoints ledger,
                             String jobRequestsTopic, JobStarter starter) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.store = Objects.requireNonNull(store, "store");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.jobRequestsTopic = jobRequestsTopic;
        this.starter = starter;
    }

    /** Starts jobs by publishing their requests (value: {@link JobRequest} JSON, key: job id) to the topic. */
    public static CheckpointIntake publishingTo(String jobRequestsTopic, CheckpointPolicy policy, ObjectStore store,
                                                ProcessedCheckpoints ledger) {
        if (jobRequestsTopic == null || jobRequestsTopic.isBlank()) {
            throw new IllegalArgumentException("jobRequestsTopic must not be blank, was '" + jobRequestsTopic + "'");
        }
        return new CheckpointIntake(policy, store, ledger, jobRequestsTopic, null);
    }

    /** Starts jobs by calling the starter, then recording the version. */
    public static CheckpointIntake calling(JobStarter starter, CheckpointPolicy policy, ObjectStore store,
                                           ProcessedCheckpoints ledger) {
        return new CheckpointIntake(policy, store, ledger, null, Objects.requireNonNull(starter, "starter"));
    }

    /** Handles one notification (the message value); one outcome per created object, in order. */
    public List<Outcome> accept(String notification) {
        List<Outcome> outcomes = new ArrayList<>();
        for (ObjectCreated created : S3EventParser.parse(notification)) {
            outcomes.add(accept(created));
        }
        return outcomes;
    }

    /** Handles one created object. */
    public Outcome accept(ObjectCreated created) {
        Decision decision = policy.evaluate(created, store);
        if (decision instanceof Decision.Rejection rejection) {
            LOG.info("{}", rejection);
            return new Rejected(rejection);
        }
        Decision.Start start = (Decision.Start) decision;
        CheckpointVersion version = start.checkpoint();
        String jobId = start.jobId();
        boolean claimed;
        if (starter == null) {
            claimed = ledger.claimAndPublish(version, jobId, List.of(new ProducerRecord<>(jobRequestsTopic, jobId,
                    Json.write(start.request()))));
        } else if (ledger.jobFor(version).isPresent()) {
            claimed = false;
        } else {
            starter.start(jobId, start.request());
            ledger.claim(version, jobId);
            claimed = true;
        }
        if (!claimed) {
            String earlier = ledger.jobFor(version).orElse(jobId);
            LOG.info("{} already started job {}; ignoring the event for {}", version.key(), earlier, created.uri());
            return new AlreadyStarted(earlier, version);
        }
        LOG.info("{} starts job {} (rule {})", version.key(), jobId, start.rule());
        return new Started(jobId, version, start.request());
    }
}
