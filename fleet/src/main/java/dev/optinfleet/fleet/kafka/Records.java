package dev.optinfleet.fleet.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** What an incoming record says about itself, for dead letters and logs, whether or not its payload is usable. */
public final class Records {
    private Records() {
    }

    /** The Kafka metadata of an incoming record; null for a message that did not come from Kafka (tests). */
    @SuppressWarnings("unchecked")
    public static IncomingKafkaRecordMetadata<?, ?> metadata(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
    }

    /** {@code topic-partition@offset} of an incoming record, for logs; "a record" without Kafka metadata. */
    public static String describe(Message<?> message) {
        IncomingKafkaRecordMetadata<?, ?> meta = metadata(message);
        return meta == null ? "a record" : meta.getTopic() + "-" + meta.getPartition() + "@" + meta.getOffset();
    }

    /** A top-level text field of the payload when it is a JSON object at all; null otherwise (never throws). */
    public static String textField(String payload, String name) {
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

    /** The error's message, or the error itself when it has none: what a dead letter gives as its reason. */
    public static String reason(Throwable error) {
        return error.getMessage() == null || error.getMessage().isBlank() ? error.toString() : error.getMessage();
    }
}
