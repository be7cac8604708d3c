package dev.optinfleet.worker.messaging;

import dev.optinfleet.fleet.kafka.KafkaSend;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.worker.config.WorkerSettings;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes a task's scores on channel {@value #CHANNEL} (topic {@code optin.task-scores}, compacted), keyed
 * {@link TaskScores#key()} so that a redelivered task's result replaces the first one.
 */
@Singleton
public class ScoreResultPublisher {
    public static final String CHANNEL = "task-scores";

    private final MutinyEmitter<String> emitter;
    private final WorkerSettings settings;

    public ScoreResultPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, WorkerSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Sends the scores and blocks until Kafka acknowledged them.
     *
     * @throws PublishFailedException when they are not acknowledged within {@code optin.worker.publish-timeout}
     */
    public void publish(TaskScores scores) {
        KafkaSend.sendAndAwait(emitter, CHANNEL, scores.key(), Json.write(scores), settings.publishTimeout());
    }
}
