package dev.optinfleet.fleet.deadletter;

import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** How a dead letter is built from the record it refuses, and the key it is published under. */
public final class DeadLetters {
    /**
     * Characters of the refused payload a dead letter keeps: 64 Ki. A result record can be megabytes (20 MB and
     * more); copied whole, the letter would exceed the producer's max.request.size, its publish would fail, and the
     * record that caused it would be redelivered and refused again forever. The ids and the source position still
     * identify the record, which stays on its own topic.
     */
    public static final int MAX_PAYLOAD_CHARS = 64 * 1024;
    /** Characters of the reason a dead letter keeps (an error message can quote its input). */
    public static final int MAX_REASON_CHARS = 4 * 1024;

    private DeadLetters() {
    }

    /**
     * The text cut to at most {@code max} characters plus a marker {@code ...[truncated N of L chars]} saying how
     * many of its L characters were left off (N = L - max); shorter text (and null) unchanged.
     */
    public static String truncate(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max) + "...[truncated " + (text.length() - max) + " of " + text.length()
                + " chars]";
    }

    /**
     * The dead letter of an incoming record: its source position and key from the Kafka metadata (the fallback
     * topic and -1 without it), its payload cut to {@value #MAX_PAYLOAD_CHARS} characters and the reason to
     * {@value #MAX_REASON_CHARS} (see {@link #truncate}), and the job and task ids when the whole payload is a JSON
     * object naming them (read before the cut, so a truncated letter still names its job).
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
                truncate(payload, MAX_PAYLOAD_CHARS), truncate(reason, MAX_REASON_CHARS), errorType,
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
