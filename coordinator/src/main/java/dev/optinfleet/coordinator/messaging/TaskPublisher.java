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

/** Publishes scoring tasks on channel {@value #CHANNEL} (topic {@code optin.scoring-tasks}), keyed
 * {@code jobId/taskId} ({@link Records#taskKey}). */
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
}
