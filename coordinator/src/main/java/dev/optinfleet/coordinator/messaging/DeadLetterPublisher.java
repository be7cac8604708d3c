package dev.optinfleet.coordinator.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Publishes {@link DeadLetter}s for input the coordinator cannot use (malformed scores, invalid job requests) on
 * channel {@value #CHANNEL} (topic {@code optin.dead-letters}), keyed by the original key, else the job id, else
 * the source position.
 */
@Singleton
public class DeadLetterPublisher {
    public static final String CHANNEL = "dead-letters-out";

    private final MutinyEmitter<String> emitter;
    private final CoordinatorSettings settings;

    public DeadLetterPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, CoordinatorSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Dead-letters an incoming record with the reason, and blocks until Kafka acknowledged it.
     *
     * @param fallbackTopic the topic to record when the message carries no Kafka metadata
     * @throws PublishFailedException when it is not acknowledged within {@code optin.coordinator.publish-timeout}
     */
    public DeadLetter publish(Message<String> message, String fallbackTopic, String reason, Throwable error) {
        return publish(message, fallbackTopic, reason, error.getClass().getName());
    }

    /**
     * Dead-letters an incoming record that raised no exception (a checkpoint event the policy rejected, say), with
     * the reason and a type naming the kind of refusal; blocks until Kafka acknowledged it.
     *
     * @throws PublishFailedException when it is not acknowledged within {@code optin.coordinator.publish-timeout}
     */
    public DeadLetter publish(Message<String> message, String fallbackTopic, String reason, String errorType) {
        IncomingKafkaRecordMetadata<?, ?> meta = metadata(message);
        String payload = message.getPayload();
        DeadLetter letter = new DeadLetter(DeadLetter.SCHEMA_VERSION,
                meta == null ? fallbackTopic : meta.getTopic(),
                meta == null ? -1 : meta.getPartition(),
                meta == null ? -1 : meta.getOffset(),
                meta == null || meta.getKey() == null ? null : String.valueOf(meta.getKey()),
                payload, reason, errorType,
                field(payload, "job_id"), field(payload, "task_id"), settings.instanceId(),
                System.currentTimeMillis());
        String key = letter.key() != null ? letter.key()
                : letter.jobId() != null ? letter.jobId()
                : letter.sourceTopic() + "/" + letter.partition() + "/" + letter.offset();
        KafkaSend.sendAndAwait(emitter, CHANNEL, key, Json.write(letter), settings.publishTimeout());
        return letter;
    }

    @SuppressWarnings("unchecked")
    public static IncomingKafkaRecordMetadata<?, ?> metadata(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
    }

    /** {@code topic-partition@offset} of an incoming record, for logs. */
    public static String describe(Message<?> message) {
        IncomingKafkaRecordMetadata<?, ?> meta = metadata(message);
        return meta == null ? "a record" : meta.getTopic() + "-" + meta.getPartition() + "@" + meta.getOffset();
    }

    /** A top-level text field of the payload when it is a JSON object at all; null otherwise. */
    static String field(String payload, String name) {
        if (payload == null) {
            return null;
        }
        try {
            JsonNode node = Json.mapper().readTree(payload);
            JsonNode value = node == null ? null : node.get(name);
            return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
