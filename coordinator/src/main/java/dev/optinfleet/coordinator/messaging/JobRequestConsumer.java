package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.planning.JobIntake;
import dev.optinfleet.coordinator.security.RequestGuard;
import dev.optinfleet.fleet.kafka.Records;
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
    private final InboundRecords records;
    private final RequestGuard guard;

    public JobRequestConsumer(JobIntake intake, InboundRecords records, RequestGuard guard) {
        this.guard = guard;
        this.intake = intake;
        this.records = records;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        return records.consume(message, "job request", payload -> {
            String jobId = jobId(message);
            JobRequest request = Json.read(payload, JobRequest.class);
            // The same caps as REST (a request over one is dead-lettered naming the field); the topic itself is
            // guarded by Kafka's ACLs, so scope is for the REST callers.
            guard.checkLimits(request);
            // Nobody authenticated this record's claim of who submitted it (the topic has no principal the
            // coordinator could read), so the job records no submitter rather than an unchecked one.
            if (request.submittedBy() != null) {
                request = request.withSubmitter(request.source(), null);
            }
            Job job = intake.submit(jobId, request, "event");
            LOG.infof("accepted job %s from %s", job.id(), Records.describe(message));
        }, e -> records.deadLetter(message, Topics.JOB_REQUESTS, "job request", e));
    }

    /** The record key when present; else a name-based UUID of the record's position (stable across deliveries). */
    static String jobId(Message<String> message) {
        IncomingKafkaRecordMetadata<?, ?> meta = Records.metadata(message);
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
