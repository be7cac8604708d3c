package dev.optinfleet.fleet.deadletter;

import dev.optinfleet.fleet.kafka.Records;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.deadletter.DeadLetter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aTwentyMegabyteResultIsCutToTheLimitWithAMarkerAndTheLetterStillNamesItsTask() {
        int size = 20 * 1024 * 1024;
        StringBuilder json = new StringBuilder(size + 64).append("{\"job_id\":\"j-9\",\"task_id\":\"t-3\",\"s\":\"");
        while (json.length() < size - 2) {
            json.append('x');
        }
        String payload = json.append("\"}").toString();

        DeadLetter letter = DeadLetters.of(Message.of(payload), "optin.task-scores", "r".repeat(10_000), "X", "c-0");

        int cut = payload.length() - DeadLetters.MAX_PAYLOAD_CHARS;
        assertEquals(payload.substring(0, DeadLetters.MAX_PAYLOAD_CHARS) + "...[truncated " + cut + " of "
                + payload.length() + " chars]", letter.payload());
        assertEquals(DeadLetters.MAX_REASON_CHARS + "...[truncated 5904 of 10000 chars]".length(),
                letter.reason().length());
        assertEquals("j-9", letter.jobId());
        assertEquals("t-3", letter.taskId());
        // What goes to Kafka fits far below the 1 MB default max.request.size.
        int written = Json.write(letter).getBytes(StandardCharsets.UTF_8).length;
        assertTrue(written < 100 * 1024, "dead letter bytes: " + written);
    }

    @Test
    void aPayloadAtTheLimitIsKeptWhole() {
        String payload = "y".repeat(DeadLetters.MAX_PAYLOAD_CHARS);
        assertEquals(payload, DeadLetters.of(Message.of(payload), "t", "r", "X", "c").payload());
        assertNull(DeadLetters.truncate(null, 3));
        assertEquals("abc...[truncated 2 of 5 chars]", DeadLetters.truncate("abcde", 3));
    }
}
