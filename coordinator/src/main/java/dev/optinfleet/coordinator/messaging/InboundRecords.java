package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.jobs.JobMetrics;
import dev.optinfleet.coordinator.recovery.JobRecovery;
import dev.optinfleet.fleet.deadletter.DeadLetterPublisher;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.fleet.kafka.Records;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * How every input channel of the coordinator treats one record: wait for start-up recovery, acknowledge a tombstone,
 * run the channel's handler and acknowledge. A record the handler cannot use goes to the channel's own path
 * (usually {@link #deadLetter}: dead-lettered with the reason and acknowledged, so a bad record never stops the
 * channel). Only Kafka refusing the coordinator's own output ({@link PublishFailedException}) is negatively
 * acknowledged: the channel stops, liveness goes down and a restarted coordinator recovers.
 *
 * <p>Called on the channel's worker thread ({@code @Blocking}); holds no per-record state.
 */
@Singleton
public class InboundRecords {
    private static final Logger LOG = Logger.getLogger(InboundRecords.class);

    /** What a channel does with a record's payload; throws when the record cannot be used. */
    @FunctionalInterface
    public interface Handler {
        void handle(String payload);
    }

    /** What a channel does with a record its handler could not use (any error but {@link PublishFailedException}). */
    @FunctionalInterface
    public interface Unusable {
        CompletionStage<Void> handle(RuntimeException error);
    }

    private final JobRecovery recovery;
    private final DeadLetterPublisher deadLetters;
    private final JobMetrics metrics;

    public InboundRecords(JobRecovery recovery, DeadLetterPublisher deadLetters, JobMetrics metrics) {
        this.recovery = recovery;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    /**
     * Handles one record as described above.
     *
     * @param what     the kind of record, for logs ("job request")
     * @param handler  the channel's work on the payload
     * @param unusable the channel's answer to a record the handler refused
     */
    public CompletionStage<Void> consume(Message<String> message, String what, Handler handler, Unusable unusable) {
        recovery.awaitRecovered();
        if (message.getPayload() == null) {
            return message.ack(); // a tombstone on a compacted topic: nothing to do
        }
        try {
            handler.handle(message.getPayload());
            return message.ack();
        } catch (PublishFailedException e) {
            LOG.errorf(e, "cannot publish while handling %s %s: %s", what, Records.describe(message),
                    e.getMessage());
            return message.nack(e);
        } catch (RuntimeException e) {
            return unusable.handle(e);
        }
    }

    /**
     * Dead-letters the record with the error's {@link #reason} and acknowledges it; negatively acknowledges it only
     * when the dead letter itself cannot be published.
     *
     * @param fallbackTopic the topic to record when the message carries no Kafka metadata
     * @param what          the kind of record, for logs
     */
    public CompletionStage<Void> deadLetter(Message<String> message, String fallbackTopic, String what,
                                            RuntimeException error) {
        String reason = reason(error);
        LOG.warnf("dead-lettering %s %s: %s", what, Records.describe(message), reason);
        try {
            deadLetters.publish(message, fallbackTopic, reason, error);
            metrics.deadLettered();
            return message.ack();
        } catch (PublishFailedException e) {
            e.addSuppressed(error);
            return message.nack(e);
        }
    }

    /** The error's message, or the error itself when it has none. */
    public static String reason(RuntimeException error) {
        return Records.reason(error);
    }
}
