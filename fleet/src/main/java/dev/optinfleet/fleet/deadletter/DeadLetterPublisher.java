package dev.optinfleet.fleet.deadletter;

import dev.optinfleet.fleet.FleetSettings;
import dev.optinfleet.fleet.kafka.KafkaSend;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Publishes {@link DeadLetter}s for input this process cannot use (a task it cannot score, malformed scores, an
 * invalid job request, a refused checkpoint event) on channel {@value #CHANNEL} (topic {@code optin.dead-letters}),
 * keyed by {@link DeadLetters#key}.
 */
@Singleton
public class DeadLetterPublisher {
    /** The outgoing channel in both applications (the coordinator also consumes the topic, as "dead-letters"). */
    public static final String CHANNEL = "dead-letters-out";

    private final MutinyEmitter<String> emitter;
    private final FleetSettings settings;

    public DeadLetterPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, FleetSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Dead-letters an incoming record with the reason and the error's class, and blocks until Kafka acknowledged it.
     *
     * @param fallbackTopic the topic to record when the message carries no Kafka metadata
     * @throws PublishFailedException when it is not acknowledged within the publish timeout
     */
    public DeadLetter publish(Message<String> message, String fallbackTopic, String reason, Throwable error) {
        return publish(message, fallbackTopic, reason, error.getClass().getName());
    }

    /**
     * Dead-letters an incoming record that raised no exception (a checkpoint event the policy rejected, say), with
     * the reason and a type naming the kind of refusal; blocks until Kafka acknowledged it.
     *
     * @throws PublishFailedException when it is not acknowledged within the publish timeout
     */
    public DeadLetter publish(Message<String> message, String fallbackTopic, String reason, String errorType) {
        DeadLetter letter = DeadLetters.of(message, fallbackTopic, reason, errorType, settings.instanceId());
        publish(letter);
        return letter;
    }

    /**
     * Sends the dead letter and blocks until Kafka acknowledged it.
     *
     * @throws PublishFailedException when it is not acknowledged within the publish timeout
     */
    public void publish(DeadLetter letter) {
        KafkaSend.sendAndAwait(emitter, CHANNEL, DeadLetters.key(letter), Json.write(letter),
                settings.publishTimeout());
    }
}
