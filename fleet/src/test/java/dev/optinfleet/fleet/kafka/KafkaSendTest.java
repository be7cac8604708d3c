package dev.optinfleet.fleet.kafka;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaSendTest {

    @Test
    void kafkasRecordTooLargeIsFoundHoweverDeeplyTheEmitterWrappedIt() {
        var kafka = new org.apache.kafka.common.errors.RecordTooLargeException("The message is 20971620 bytes");
        RuntimeException wrapped = new CompletionException(new IllegalStateException("nacked", kafka));
        assertSame(kafka, KafkaSend.tooLarge(wrapped));
        assertNull(KafkaSend.tooLarge(new IllegalStateException("broker unavailable",
                new org.apache.kafka.common.errors.TimeoutException("expired"))), "a timeout is retried, not refused");
    }

    @Test
    void theRefusalNamesKeyChannelAndSize() {
        RecordTooLargeException e = new RecordTooLargeException("task-scores", "job-1/s0-samples-0-4", 20_971_620,
                new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        assertTrue(e.getMessage().contains("'job-1/s0-samples-0-4'") && e.getMessage().contains("task-scores")
                && e.getMessage().contains("20971620 bytes"), e.getMessage());
        assertFalse(PublishFailedException.class.isInstance(e), "the record's fault, not the link's: no redelivery");
    }
}
