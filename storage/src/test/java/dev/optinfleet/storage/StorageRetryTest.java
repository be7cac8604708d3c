package dev.optinfleet.storage;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageRetryTest {
    private static final S3Uri URI = S3Uri.parse("s3://models/minilm/model.onnx");
    private final List<Duration> sleeps = new ArrayList<>();
    private final StorageRetry retry = new StorageRetry(
            new RetryPolicy(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1)), sleeps::add);

    @Test
    void aTransientFailureIsRetriedWithTheBackoffUntilItSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        String result = retry.call("stat " + URI, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new StorageUnavailableException("connection refused", URI, null);
            }
            return "ok";
        });
        assertEquals("ok", result);
        assertEquals(3, calls.get());
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), sleeps);
    }

    @Test
    void afterTheLastAttemptItGivesUpNamingTheWorkTheAttemptsAndTheObject() {
        StorageUnavailableException e = assertThrows(StorageUnavailableException.class,
                () -> retry.call("fetch " + URI, () -> {
                    throw new StorageUnavailableException("503 Slow Down", URI, null);
                }));
        assertTrue(e.getMessage().contains("fetch " + URI + " after 3 attempts: 503 Slow Down"), e.getMessage());
        assertEquals(URI, e.uri());
        assertTrue(e.isRetryable());
        assertEquals(2, sleeps.size());
    }

    @Test
    void aMissingObjectFailsAtOnce() {
        ObjectNotFoundException missing = new ObjectNotFoundException(URI, "no such key", null);
        AtomicInteger calls = new AtomicInteger();
        ObjectNotFoundException e = assertThrows(ObjectNotFoundException.class, () -> retry.call("stat", () -> {
            calls.incrementAndGet();
            throw missing;
        }));
        assertSame(missing, e);
        assertEquals(1, calls.get());
        assertEquals(List.of(), sleeps);
    }
}
