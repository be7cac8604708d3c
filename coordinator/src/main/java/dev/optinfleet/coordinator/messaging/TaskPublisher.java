package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.fleet.kafka.KafkaSend;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;

import java.util.List;
import java.util.Map;

/**
 * Publishes scoring tasks on channel {@value #CHANNEL} (topic {@code optin.scoring-tasks}), keyed
 * {@code jobId/taskId} ({@link Records#taskKey}); a retry after a failed delivery is keyed
 * {@code jobId/taskId#attempt}, so that it usually lands on another partition, and so another worker, than the
 * delivery that failed.
 */
@Singleton
public class TaskPublisher {
    public static final String CHANNEL = "scoring-tasks";

    private final MutinyEmitter<String> emitter;
    private final CoordinatorSettings settings;

    public TaskPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, CoordinatorSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Sends the tasks and blocks until Kafka acknowledged all of them.
     *
     * @throws PublishFailedException when they are not acknowledged within {@code optin.coordinator.publish-timeout}
     */
    public void publish(List<ScoringTaskMessage> tasks) {
        List<Map.Entry<String, String>> records = tasks.stream()
                .map(t -> Map.entry(Records.taskKey(t.jobId(), t.taskId()), Json.write(t))).toList();
        KafkaSend.sendAllAndAwait(emitter, CHANNEL, records, settings.publishTimeout());
    }

    /**
     * Publishes the task for its {@code attempt}-th delivery (2, 3, ...) and waits for Kafka's acknowledgement.
     *
     * @throws PublishFailedException when it is not acknowledged within {@code optin.coordinator.publish-timeout}
     */
    public void publishRetry(ScoringTaskMessage task, int attempt) {
        KafkaSend.sendAndAwait(emitter, CHANNEL, retryKey(task.jobId(), task.taskId(), attempt), Json.write(task),
                settings.publishTimeout());
    }

    /** The key of a task's {@code attempt}-th delivery. */
    public static String retryKey(String jobId, String taskId, int attempt) {
        return Records.taskKey(jobId, taskId) + "#" + attempt;
    }
}
