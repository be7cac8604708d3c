package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.fleet.kafka.KafkaSend;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.schemas.events.MinioEventWriter;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Announces objects written through {@code PUT /uploads/...} on channel {@value #CHANNEL} (topic
 * {@code optin.checkpoint-events}) exactly as a production MinIO announces uploads ({@link MinioEventWriter}), since
 * no S3 server here sends notifications. The coordinator's own {@link CheckpointEventConsumer} then treats them like
 * any other event.
 */
@Singleton
public class CheckpointEventPublisher {
    public static final String CHANNEL = "checkpoint-events-out";

    private final MutinyEmitter<String> emitter;
    private final CoordinatorSettings settings;

    public CheckpointEventPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, CoordinatorSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Sends the notification and blocks until Kafka acknowledged it.
     *
     * @throws PublishFailedException when it is not acknowledged within {@code optin.coordinator.publish-timeout}
     */
    public void publish(MinioEventWriter.Message event) {
        KafkaSend.sendAndAwait(emitter, CHANNEL, event.key(), event.value(), settings.publishTimeout());
    }
}
