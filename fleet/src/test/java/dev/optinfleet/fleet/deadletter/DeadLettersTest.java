package dev.optinfleet.fleet.deadletter;

import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DeadLettersTest {

    @Test
    void aRecordWithoutKafkaMetadataKeepsTheFallbackTopicAndTheIdsOfItsPayload() {
        DeadLetter letter = DeadLetters.of(Message.of("{\"job_id\":\"j-1\",\"task_id\":\"t-7\",\"n\":3}"),
                "optin.job-requests", "bad", "java.lang.IllegalArgumentException", "coord-0");

        assertEquals("optin.job-requests", letter.sourceTopic());
        assertEquals(-1, letter.partition());
        assertEquals(-1, letter.offset());
        assertNull(letter.key());
        assertEquals("j-1", letter.jobId());
        assertEquals("t-7", letter.taskId());
        assertEquals("coord-0", letter.processor());
        // No original key: the job id.
        assertEquals("j-1", DeadLetters.key(letter));
    }

    @Test
    void aPayloadThatIsNoJsonObjectIsKeyedByItsSourcePosition() {
        DeadLetter letter = DeadLetters.of(Message.of("not json"), "optin.task-scores", "bad", "X", "w-1");

        assertNull(letter.jobId());
        assertEquals("optin.task-scores/-1/-1", DeadLetters.key(letter));
        assertEquals("a record", Records.describe(Message.of("x")));
    }

    @Test
    void blankTextFieldsAndAMessagelessErrorFallBack() {
        assertNull(Records.textField("{\"job_id\":\" \"}", "job_id"));
        assertNull(Records.textField("{\"job_id\":4}", "job_id"));
        assertNull(Records.textField(null, "job_id"));
        assertEquals("java.lang.IllegalStateException", Records.reason(new IllegalStateException()));
        assertEquals("why", Records.reason(new IllegalStateException("why")));
    }
}
