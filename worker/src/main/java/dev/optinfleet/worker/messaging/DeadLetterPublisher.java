package dev.optinfleet.worker.messaging;

import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import dev.optinfleet.worker.config.WorkerSettings;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes {@link DeadLetter}s on channel {@value #CHANNEL} (topic {@code optin.dead-letters}), keyed by the
 * original record's key (the task id), else its job id, else its source position.
 */
@Singleton
public class DeadLetterPublisher {
    public static final String CHANNEL = "dead-letters";

    private final MutinyEmitter<String> emitter;
    private final WorkerSettings settings;

    public DeadLetterPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, WorkerSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Sends the dead letter and blocks until Kafka acknowledged it.
     *
     * @throws PublishFailedException when it is not acknowledged within {@code optin.worker.publish-timeout}
     */
    public void publish(DeadLetter letter) {
        String key = letter.key() != null ? letter.key()
                : letter.jobId() != null ? letter.jobId()
                : letter.sourceTopic() + "/" + letter.partition() + "/" + letter.offset();
        KafkaSend.sendAndAwait(emitter, CHANNEL, key, Json.write(letter), settings.publishTimeout());
    }
}
