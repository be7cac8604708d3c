package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.events.CheckpointEvents;
import dev.optinfleet.coordinator.events.EventDecision;
import dev.optinfleet.coordinator.events.EventDecisions;
import dev.optinfleet.coordinator.jobs.JobMetrics;
import dev.optinfleet.fleet.deadletter.DeadLetterPublisher;
import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.registry.events.CheckpointIntake;
import dev.optinfleet.registry.events.Decision;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.schemas.Topics;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Consumes bucket notifications (MinIO or AWS format) from channel {@value #CHANNEL} (topic
 * {@code optin.checkpoint-events}) after start-up recovery, and runs each through {@link CheckpointEvents}: a
 * completed checkpoint that a rule covers starts a job, once per checkpoint version. Every decision is listed by
 * {@code GET /events} ({@link EventDecisions}); every object that starts no job is logged and dead-lettered with the
 * policy's reason (error type {@code Rejected:<REASON>}), and so is a message that is not a notification or whose
 * job cannot be accepted. A bad event never stops the channel: only Kafka refusing the coordinator's own output (a
 * job's status, a dead letter) is negatively acknowledged, as on the other channels.
 */
@ApplicationScoped
public class CheckpointEventConsumer {
    public static final String CHANNEL = "checkpoint-events";
    /** Error type of a dead letter for an object the policy rejected: this prefix and the reason. */
    public static final String REJECTED_TYPE = "Rejected:";
    private static final Logger LOG = Logger.getLogger(CheckpointEventConsumer.class);

    private final CheckpointEvents events;
    private final EventDecisions decisions;
    private final DeadLetterPublisher deadLetters;
    private final JobMetrics metrics;
    private final InboundRecords records;

    public CheckpointEventConsumer(CheckpointEvents events, EventDecisions decisions, DeadLetterPublisher deadLetters,
                                   JobMetrics metrics, InboundRecords records) {
        this.events = events;
        this.decisions = decisions;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.records = records;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        String source = Records.describe(message);
        return records.consume(message, "checkpoint event", payload -> {
            List<CheckpointIntake.Outcome> outcomes = events.accept(payload);
            if (outcomes.isEmpty()) {
                LOG.debugf("%s reports no created object; nothing to do", source);
            }
            for (CheckpointIntake.Outcome outcome : outcomes) {
                handle(message, source, outcome);
            }
        }, e -> deadLetter(message, source, e instanceof MalformedMessageException ? EventDecision.MALFORMED
                : EventDecision.FAILED, e));
    }

    private void handle(Message<String> message, String source, CheckpointIntake.Outcome outcome) {
        long now = System.currentTimeMillis();
        if (outcome instanceof CheckpointIntake.Started s) {
            decisions.add(new EventDecision(now, source, "s3://" + s.checkpoint().bucket() + "/"
                    + s.checkpoint().weightsKey(), s.checkpoint().etag(), EventDecision.STARTED, s.jobId(), null, "checkpoint "
                    + s.checkpoint().key() + " started job " + s.jobId() + " for " + s.request().modelUri()));
        } else if (outcome instanceof CheckpointIntake.AlreadyStarted a) {
            decisions.add(new EventDecision(now, source, "s3://" + a.checkpoint().bucket() + "/"
                    + a.checkpoint().weightsKey(), a.checkpoint().etag(), EventDecision.ALREADY_STARTED, a.jobId(),
                    null, "checkpoint " + a.checkpoint().key() + " already started job " + a.jobId()));
        } else if (outcome instanceof CheckpointIntake.Rejected r) {
            Decision.Rejection rejection = r.rejection();
            LOG.infof("checkpoint event %s: %s", source, rejection);
            decisions.add(new EventDecision(now, source, rejection.event().uri(), rejection.event().eTag(),
                    EventDecision.REJECTED, null, rejection.reason().name(), rejection.detail()));
            deadLetters.publish(message, Topics.CHECKPOINT_EVENTS, rejection.toString(),
                    REJECTED_TYPE + rejection.reason().name());
            metrics.deadLettered();
        }
    }

    private CompletionStage<Void> deadLetter(Message<String> message, String source, String outcome,
                                             RuntimeException error) {
        decisions.add(new EventDecision(System.currentTimeMillis(), source, null, null, outcome, null, null,
                InboundRecords.reason(error)));
        return records.deadLetter(message, Topics.CHECKPOINT_EVENTS, "checkpoint event (" + outcome + ")", error);
    }
}
