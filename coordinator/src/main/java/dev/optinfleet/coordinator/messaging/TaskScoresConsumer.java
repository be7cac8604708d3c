package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.jobs.JobMetrics;
import dev.optinfleet.coordinator.merge.ScoreMerger;
import dev.optinfleet.coordinator.recovery.JobRecovery;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.task.TaskScores;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * Consumes workers' results from channel {@value #CHANNEL} (topic {@code optin.task-scores}) on a worker thread, in
 * partition order, after start-up recovery. Each is merged ({@link ScoreMerger}); one that cannot be used (malformed
 * JSON, terms outside the model, a task its job does not have) is dead-lettered with the reason and acknowledged,
 * so a bad record never stops the channel. Only Kafka refusing our own output (a status or a dead letter) is
 * negatively acknowledged: the channel stops, liveness goes down and a restarted coordinator recovers.
 */
@ApplicationScoped
public class TaskScoresConsumer {
    public static final String CHANNEL = "task-scores";
    private static final Logger LOG = Logger.getLogger(TaskScoresConsumer.class);

    private final ScoreMerger merger;
    private final DeadLetterPublisher deadLetters;
    private final JobRecovery recovery;
    private final JobMetrics metrics;

    public TaskScoresConsumer(ScoreMerger merger, DeadLetterPublisher deadLetters, JobRecovery recovery,
                              JobMetrics metrics) {
        this.merger = merger;
        this.deadLetters = deadLetters;
        this.recovery = recovery;
        this.metrics = metrics;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        recovery.awaitRecovered();
        if (message.getPayload() == null) {
            return message.ack(); // a tombstone on the compacted topic: nothing to merge
        }
        try {
            TaskScores scores = Json.read(message.getPayload(), TaskScores.class);
            ScoreMerger.Outcome outcome = merger.merge(scores);
            LOG.debugf("result of task %s of job %s: %s", scores.taskId(), scores.jobId(), outcome);
            return message.ack();
        } catch (PublishFailedException e) {
            LOG.errorf(e, "cannot publish while merging %s: %s", DeadLetterPublisher.describe(message),
                    e.getMessage());
            return message.nack(e);
        } catch (RuntimeException e) {
            return deadLetter(message, e);
        }
    }

    private CompletionStage<Void> deadLetter(Message<String> message, RuntimeException error) {
        String reason = error.getMessage() == null || error.getMessage().isBlank() ? error.toString()
                : error.getMessage();
        LOG.warnf("dead-lettering %s: %s", DeadLetterPublisher.describe(message), reason);
        try {
            deadLetters.publish(message, Topics.TASK_SCORES, reason, error);
            metrics.deadLettered();
            return message.ack();
        } catch (PublishFailedException e) {
            e.addSuppressed(error);
            return message.nack(e);
        }
    }
}
