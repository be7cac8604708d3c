package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobMetrics;
import dev.optinfleet.coordinator.planning.JobIntake;
import dev.optinfleet.coordinator.recovery.JobRecovery;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.job.JobRequest;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Consumes job requests from channel {@value #CHANNEL} (topic {@code optin.job-requests}), validated exactly as
 * {@code POST /jobs} validates them ({@link JobIntake}); an invalid one is dead-lettered with the reason.
 *
 * <p>The job id is the record's key; a record without a key gets an id derived from its topic, partition and offset,
 * so a redelivered request (at least once) is recognised and accepted once either way.
 */
@ApplicationScoped
public class JobRequestConsumer {
    public static final String CHANNEL = "job-requests";
    private static final Logger LOG = Logger.getLogger(JobRequestConsumer.class);

    private final JobIntake intake;
    private final DeadLetterPublisher deadLetters;
    private final JobRecovery recovery;
    private final JobMetrics metrics;

    public JobRequestConsumer(JobIntake intake, DeadLetterPublisher deadLetters, JobRecovery recovery,
                              JobMetrics metrics) {
        this.intake = intake;
        this.deadLetters = deadLetters;
        this.recovery = recovery;
        this.metrics = metrics;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        recovery.awaitRecovered();
        if (message.getPayload() == null) {
            return message.ack();
        }
        try {
            String jobId = jobId(message);
            JobRequest request = Json.read(message.getPayload(), JobRequest.class);
            Job job = intake.submit(jobId, request, "event");
            LOG.infof("accepted job %s from %s", job.id(), DeadLetterPublisher.describe(message));
            return message.ack();
        } catch (PublishFailedException e) {
            return message.nack(e);
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
            LOG.warnf("dead-lettering job request %s: %s", DeadLetterPublisher.describe(message), reason);
            try {
                deadLetters.publish(message, Topics.JOB_REQUESTS, reason, e);
                metrics.deadLettered();
                return message.ack();
            } catch (PublishFailedException publish) {
                publish.addSuppressed(e);
                return message.nack(publish);
            }
        }
    }

    /** The record key when present; else a name-based UUID of the record's position (stable across deliveries). */
    static String jobId(Message<String> message) {
        IncomingKafkaRecordMetadata<?, ?> meta = DeadLetterPublisher.metadata(message);
        Object key = meta == null ? null : meta.getKey();
        if (key != null && !String.valueOf(key).isBlank()) {
            String id = String.valueOf(key);
            if (!JobIntake.isValidJobId(id)) {
                throw new IllegalArgumentException("record key (the job id) must be 1-128 letters, digits, '.', '_'"
                        + " or '-', was '" + id + "'");
            }
            return id;
        }
        String position = meta == null ? UUID.randomUUID().toString()
                : meta.getTopic() + "/" + meta.getPartition() + "/" + meta.getOffset();
        return UUID.nameUUIDFromBytes(position.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
