package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.coordinator.jobs.JobUpdates;
import dev.optinfleet.coordinator.planning.PlannedTask;
import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.concurrent.CompletionStage;

/**
 * Consumes channel {@value #CHANNEL} (topic {@code optin.dead-letters}): a dead letter naming an unfinished job
 * fails that job with the dead letter's reason, since one of its tasks will never be scored (a worker gave up on
 * it). Other jobs carry on. Dead letters of unknown or finished jobs, of tasks whose scores were already merged
 * (a redelivery that failed on another worker after one had succeeded: the job lacks nothing), and unreadable ones,
 * are logged and skipped (never dead-lettered again).
 *
 * <p>A worker's dead letter whose exception is retryable ({@code optin.coordinator.retryable-errors}: the engine
 * failing, e.g. out of native memory, which another worker may not) does not fail the job at once: the task is
 * published again under a key of its attempt (usually another partition, so another worker), until
 * {@code optin.coordinator.task-attempts} deliveries failed; then the job fails naming the task, the attempts and
 * the last cause. So a poison task ends its job within a bounded time instead of being redelivered forever.
 *
 * <p>Dead letters of the coordinator's own inputs (a malformed result on {@code optin.task-scores}, an invalid
 * request on {@code optin.job-requests}) do not fail a job: the bad record was skipped, and a valid result of the
 * same task may still arrive (a redelivered task), so the job waits for it.
 */
@ApplicationScoped
public class DeadLetterConsumer {
    public static final String CHANNEL = "dead-letters";
    private static final Logger LOG = Logger.getLogger(DeadLetterConsumer.class);

    private final JobRegistry registry;
    private final JobUpdates updates;
    private final InboundRecords records;
    private final TaskPublisher tasks;
    private final CoordinatorSettings settings;
    private final Clock clock;

    public DeadLetterConsumer(JobRegistry registry, JobUpdates updates, InboundRecords records, TaskPublisher tasks,
                              CoordinatorSettings settings, Clock clock) {
        this.clock = clock;
        this.registry = registry;
        this.updates = updates;
        this.records = records;
        this.tasks = tasks;
        this.settings = settings;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        return records.consume(message, "dead letter", payload -> {
            DeadLetter letter;
            try {
                letter = Json.read(payload, DeadLetter.class);
            } catch (RuntimeException e) {
                LOG.warnf("skipping unreadable dead letter %s: %s", Records.describe(message),
                        e.getMessage());
                return;
            }
            failJob(letter);
        }, e -> {
            throw e; // never dead-letter a dead letter: the channel fails as it would without the helper
        });
    }

    private void failJob(DeadLetter letter) {
        if (Topics.TASK_SCORES.equals(letter.sourceTopic()) || Topics.JOB_REQUESTS.equals(letter.sourceTopic())) {
            return;
        }
        Job job = letter.jobId() == null ? null : registry.get(letter.jobId());
        if (job == null || job.state().isFinal()) {
            LOG.debugf("dead letter of %s job %s: %s", job == null ? "unknown" : "finished", letter.jobId(),
                    letter.reason());
            return;
        }
        if (letter.taskId() != null && job.hasMerged(letter.taskId())) {
            LOG.infof("dead letter of task %s of job %s ignored: its scores are already merged (%s)",
                    letter.taskId(), job.id(), letter.reason());
            return;
        }
        if (letter.taskId() != null && settings.isRetryable(letter.errorType())) {
            retryOrFail(job, letter);
            return;
        }
        updates.fail(job, reason(letter));
    }

    private void retryOrFail(Job job, DeadLetter letter) {
        PlannedTask task = job.unfinishedTask(letter.taskId());
        if (task == null) {
            // Not planned yet (resumed after a restart: planning publishes every missing task anyway), or no longer
            // scoring: nothing to retry.
            LOG.infof("retryable dead letter of task %s of job %s (%s) needs no retry: %s", letter.taskId(),
                    job.id(), job.state().wireName(), letter.reason());
            return;
        }
        int failed = job.deadlines().deliveryFailed(letter.taskId());
        if (failed >= settings.taskAttempts()) {
            updates.fail(job, "task " + letter.taskId() + " failed on " + failed + " of at most "
                    + settings.taskAttempts() + " deliveries; the last" + (letter.processor() != null ? " by "
                    + letter.processor() : "") + ": " + letter.errorType() + ": " + letter.reason());
            return;
        }
        tasks.publishRetry(task.message(), failed + 1);
        job.deadlines().retried(task.id(), clock.millis());
        LOG.warnf("task %s of job %s failed on delivery %d of at most %d (%s: %s); published it again", task.id(),
                job.id(), failed, settings.taskAttempts(), letter.errorType(), letter.reason());
    }

    /** The job's error: which message of it failed where, then the dead letter's own reason verbatim. */
    static String reason(DeadLetter letter) {
        String what = letter.taskId() != null ? "task " + letter.taskId()
                : "a message on " + letter.sourceTopic();
        String who = letter.processor() != null ? " by " + letter.processor() : "";
        return what + " was dead-lettered" + who + ": " + letter.reason();
    }
}
