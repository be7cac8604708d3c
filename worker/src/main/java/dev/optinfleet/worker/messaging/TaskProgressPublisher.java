package dev.optinfleet.worker.messaging;

import dev.optinfleet.core.scoring.PassProgress;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskProgress;
import dev.optinfleet.worker.config.WorkerSettings;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Tells the coordinator how far a running task is, on channel {@value #CHANNEL} (topic {@code optin.task-progress}),
 * at most once a second per task. Fire and forget: progress is a display, so a lost record costs nothing and the
 * scoring thread never waits for Kafka. A record at the start of every task tells the coordinator that a worker
 * took it (its deadline then runs from its own progress, not from the fleet's).
 */
@Singleton
public class TaskProgressPublisher {
    public static final String CHANNEL = "task-progress";
    static final long INTERVAL_NANOS = 1_000_000_000L;
    private static final Logger LOG = Logger.getLogger(TaskProgressPublisher.class);

    private final MutinyEmitter<String> emitter;
    private final String workerId;

    public TaskProgressPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, WorkerSettings settings) {
        this.emitter = emitter;
        this.workerId = settings.workerId();
    }

    /**
     * A progress listener for one task: publishes "started" (0 of 1) at once, then after a pass when a second has
     * passed since the last record.
     */
    public PassProgress forTask(ScoringTaskMessage task) {
        send(task, 0, 1);
        long[] last = {System.nanoTime()};
        return (done, total) -> {
            long now = System.nanoTime();
            if (done >= total || now - last[0] < INTERVAL_NANOS) {
                return; // the scores themselves say "done"
            }
            last[0] = now;
            send(task, done, total);
        };
    }

    private void send(ScoringTaskMessage task, long done, long total) {
        try {
            TaskProgress p = new TaskProgress(TaskProgress.SCHEMA_VERSION, task.jobId(), task.taskId(), workerId, done,
                    total);
            emitter.sendMessageAndForget(Message.of(Json.write(p)).addMetadata(
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(p.key()).build()));
        } catch (RuntimeException e) {
            LOG.debugf("progress of task %s not published: %s", task.taskId(), e.toString());
        }
    }
}
