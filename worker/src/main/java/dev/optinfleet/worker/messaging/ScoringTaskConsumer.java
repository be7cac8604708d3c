package dev.optinfleet.worker.messaging;

import ai.djl.engine.EngineException;
import dev.optinfleet.fleet.deadletter.DeadLetterPublisher;
import dev.optinfleet.fleet.deadletter.DeadLetters;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.storage.StorageUnavailableException;
import dev.optinfleet.worker.config.WorkerSettings;
import dev.optinfleet.worker.scoring.TaskExecutor;
import dev.optinfleet.worker.scoring.WorkerMetrics;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Consumes scoring tasks from channel {@value #CHANNEL} (topic {@code optin.scoring-tasks}), on a worker thread
 * ({@link Blocking}: DJL work never runs on the event loop), one at a time in partition order.
 *
 * <p>At least once: a task is acknowledged (its offset committed, strategy {@code latest}) only after its scores were
 * acknowledged by Kafka. A task that cannot be scored because of what it says or names (malformed JSON, invalid
 * fields, a missing object, an input changed since planning, a corrupt checkpoint or shard, a result too large for
 * Kafka, any other error of the scorer) becomes a {@link DeadLetter} and is then acknowledged, so it is never
 * redelivered and the consumer goes on. The DJL engine failing ({@link EngineException}, e.g. native out-of-memory)
 * is dead-lettered too, with its exception type: the coordinator counts such failed deliveries and publishes the task
 * again for another worker a bounded number of times before it fails the job (issue 16: never a poison task
 * redelivered forever). After {@code optin.worker.engine-failures-before-restart} different tasks in a row failed in
 * the engine, the engine itself is taken to be broken: that task is dead-lettered and then negatively acknowledged,
 * so the channel stops, liveness goes down and the pod restarts instead of emptying the queue into dead letters.
 *
 * <p>A task that kills the worker (the kernel's out-of-memory killer, a native crash) leaves no dead letter and no
 * commit, so it would be delivered again and kill the worker again, forever. {@link InFlightTask} remembers the
 * record being scored on the worker's disk; once one record was started {@code optin.worker.task-deliveries} times
 * in a row without finishing, its next delivery is dead-lettered ({@link TaskKilledWorkerException}) and its job
 * fails naming it.
 *
 * <p>Other failures of the worker or its surroundings are negatively acknowledged at once: Kafka not acknowledging
 * our output ({@link PublishFailedException}), the local disk failing ({@link UncheckedIOException}), or object
 * storage still unreachable once {@code optin.s3.retry.deadline} passed ({@link StorageUnavailableException}: the
 * task is fine, it is put back for later instead of failing its job on an outage). The channel's failure strategy
 * ({@code fail}) then stops it without committing, its liveness check goes down, and a restarted worker receives the
 * task again.
 */
@ApplicationScoped
public class ScoringTaskConsumer {
    public static final String CHANNEL = "scoring-tasks";
    private static final Logger LOG = Logger.getLogger(ScoringTaskConsumer.class);

    private final TaskExecutor executor;
    private final ScoreResultPublisher scores;
    private final DeadLetterPublisher deadLetters;
    private final WorkerMetrics metrics;
    private final String workerId;

    private final TaskProgressPublisher progress;
    private final InFlightTask inFlight;
    private final int taskDeliveries;
    private final int engineFailuresBeforeRestart;
    /**
     * Distinct tasks whose engine failed since the last task that succeeded, and the last of them (the channel's one
     * thread reads and writes both): one poison task retried here again is one failure, not a broken engine.
     */
    private int engineFailuresInARow;
    private String lastEngineFailure;

    public ScoringTaskConsumer(TaskExecutor executor, ScoreResultPublisher scores, DeadLetterPublisher deadLetters,
                               WorkerMetrics metrics, WorkerSettings settings, TaskProgressPublisher progress,
                               InFlightTask inFlight) {
        this.executor = executor;
        this.progress = progress;
        this.scores = scores;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.workerId = settings.workerId();
        this.engineFailuresBeforeRestart = settings.engineFailuresBeforeRestart();
        this.inFlight = inFlight;
        this.taskDeliveries = settings.taskDeliveries();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        try {
            return score(message);
        } finally {
            inFlight.finished(); // whatever the outcome, this process saw the task's end
        }
    }

    private CompletionStage<Void> score(Message<String> message) {
        long started = System.nanoTime();
        String taskKey = null;
        try {
            ScoringTaskMessage task = Json.read(message.getPayload(), ScoringTaskMessage.class);
            taskKey = Records.taskKey(task.jobId(), task.taskId());
            String record = Records.describe(message);
            int delivery = inFlight.starting(taskKey + " " + record);
            if (delivery > taskDeliveries) {
                TaskKilledWorkerException e = new TaskKilledWorkerException(taskKey, record, delivery - 1);
                metrics.taskFailed(e);
                return deadLetter(message, e, true);
            }
            TaskScores result = executor.execute(task, progress.forTask(task));
            scores.publish(result);
            metrics.taskCompleted(result.unitsScored(), Duration.ofNanos(System.nanoTime() - started));
            LOG.debugf("task %s of job %s: %d units in %d ms", task.taskId(), task.jobId(), result.unitsScored(),
                    result.elapsedMs());
            engineFailuresInARow = 0;
            lastEngineFailure = null;
            return message.ack();
        } catch (EngineException e) {
            metrics.taskFailed(e);
            if (taskKey == null || !taskKey.equals(lastEngineFailure)) {
                engineFailuresInARow++;
                lastEngineFailure = taskKey;
            }
            if (engineFailuresInARow < engineFailuresBeforeRestart) {
                return deadLetter(message, e, true);
            }
            LOG.errorf(e, "%d engine failures in a row (the last on %s): taking the engine for broken, stopping",
                    engineFailuresInARow, Records.describe(message));
            return deadLetter(message, e, false);
        } catch (PublishFailedException | UncheckedIOException | StorageUnavailableException e) {
            metrics.taskFailed(e);
            LOG.errorf(e, "worker failure on %s, giving the task back: %s", Records.describe(message), e.getMessage());
            return message.nack(e);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            metrics.taskFailed(e);
            return deadLetter(message, e, true);
        }
    }

    /** Publishes the dead letter, then acknowledges the task (or, {@code thenAck} false, gives it back). */
    private CompletionStage<Void> deadLetter(Message<String> message, Throwable error, boolean thenAck) {
        DeadLetter letter = letter(message, error);
        LOG.warnf("dead-lettering %s (job %s, task %s): %s", Records.describe(message), letter.jobId(),
                letter.taskId(), letter.reason());
        try {
            deadLetters.publish(letter);
        } catch (PublishFailedException e) {
            e.addSuppressed(error);
            LOG.errorf(e, "cannot dead-letter %s, giving the task back", Records.describe(message));
            return message.nack(e);
        }
        return thenAck ? message.ack() : message.nack(error);
    }

    private DeadLetter letter(Message<String> message, Throwable error) {
        // Without Kafka metadata (tests) the channel's name stands for the topic.
        return DeadLetters.of(message, CHANNEL, Records.reason(error), error.getClass().getName(), workerId);
    }
}
