package dev.optinfleet.fleet.deadletter;

import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** How a dead letter is built from the record it refuses, and the key it is published under. */
public final class DeadLetters {
    private DeadLetters() {
    }

    /**
     * The dead letter of an incoming record: its source position and key from the Kafka metadata (the fallback
     * topic and -1 without it), its payload, and the job and task ids when the payload is a JSON object naming them.
     *
     * @param fallbackTopic the topic to record when the message carries no Kafka metadata
     * @param errorType     the exception's class name, or a name for the kind of refusal
     * @param instanceId    who refused it
     */
    public static DeadLetter of(Message<String> message, String fallbackTopic, String reason, String errorType,
                                String instanceId) {
        IncomingKafkaRecordMetadata<?, ?> meta = Records.metadata(message);
        String payload = message.getPayload();
        return new DeadLetter(DeadLetter.SCHEMA_VERSION,
                meta == null ? fallbackTopic : meta.getTopic(),
                meta == null ? -1 : meta.getPartition(),
                meta == null ? -1 : meta.getOffset(),
                meta == null || meta.getKey() == null ? null : String.valueOf(meta.getKey()),
                payload, reason, errorType,
                Records.textField(payload, "job_id"), Records.textField(payload, "task_id"), instanceId,
                System.currentTimeMillis());
    }

    /**
     * The Kafka key of a dead letter: the original record's key, else its job id, else
     * {@code sourceTopic/partition/offset}, so that letters about one job or one record land together.
     */
    public static String key(DeadLetter letter) {
        return letter.key() != null ? letter.key()
                : letter.jobId() != null ? letter.jobId()
                : letter.sourceTopic() + "/" + letter.partition() + "/" + letter.offset();
    }
}
