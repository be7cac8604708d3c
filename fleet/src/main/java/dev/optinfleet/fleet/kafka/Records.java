package dev.optinfleet.fleet.kafka;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.optinfleet.schemas.Json;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** What an incoming record says about itself, for dead letters and logs, whether or not its payload is usable. */
public final class Records {
    private Records() {
    }

    /**
     * The Kafka key of a task's records (its scoring task, scores, progress): {@code jobId/taskId}. Task ids repeat
     * from job to job ({@code L0-u0-s0}), so a key of the task id alone sent every job's tasks to the same
     * partitions; with the job in it, jobs spread over the partitions, while one job's task keeps one key, so a
     * republished or redelivered task replaces itself on a compacted topic and lands on the same partition.
     */
    public static String taskKey(String jobId, String taskId) {
        return jobId + "/" + taskId;
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

    /**
     * A top-level text field of the payload when it is a JSON object at all; null otherwise (never throws). Read
     * with the streaming parser, skipping every other value unread: a 20 MB result would exceed Jackson's limit
     * on one string's length (20 M chars) if the tree were built, and its ids would be lost.
     */
    public static String textField(String payload, String name) {
        if (payload == null) {
            return null;
        }
        try (JsonParser parser = Json.mapper().getFactory().createParser(payload)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean wanted = name.equals(parser.currentName());
                JsonToken value = parser.nextToken();
                if (wanted) {
                    return value == JsonToken.VALUE_STRING && !parser.getText().isBlank() ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The error's message, or the error itself when it has none: what a dead letter gives as its reason. */
    public static String reason(Throwable error) {
        return error.getMessage() == null || error.getMessage().isBlank() ? error.toString() : error.getMessage();
    }
}
