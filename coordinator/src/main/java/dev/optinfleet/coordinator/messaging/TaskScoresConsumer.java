package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.jobs.FleetActivity;
import dev.optinfleet.coordinator.merge.ScoreMerger;
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
 * partition order, after start-up recovery ({@link InboundRecords}). Each is merged ({@link ScoreMerger}); one that cannot be used (malformed
 * JSON, terms outside the model, a task its job does not have) is dead-lettered with the reason and acknowledged,
 * so a bad record never stops the channel. Only Kafka refusing our own output (a status or a dead letter) is
 * negatively acknowledged: the channel stops, liveness goes down and a restarted coordinator recovers.
 */
@ApplicationScoped
public class TaskScoresConsumer {
    public static final String CHANNEL = "task-scores";
    private static final Logger LOG = Logger.getLogger(TaskScoresConsumer.class);

    private final ScoreMerger merger;
    private final InboundRecords records;
    private final FleetActivity activity;

    public TaskScoresConsumer(ScoreMerger merger, InboundRecords records, FleetActivity activity) {
        this.merger = merger;
        this.records = records;
        this.activity = activity;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        return records.consume(message, "task result", payload -> {
            TaskScores scores = Json.read(payload, TaskScores.class);
            activity.heard(); // the fleet is working: queued tasks are not lost (task deadlines)
            ScoreMerger.Outcome outcome = merger.merge(scores);
            LOG.debugf("result of task %s of job %s: %s", scores.taskId(), scores.jobId(), outcome);
        }, e -> records.deadLetter(message, Topics.TASK_SCORES, "task result", e));
    }
}
