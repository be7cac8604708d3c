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

    /** A clock that only the fake sleeper moves: the deadline is measured on it, no test really waits. */
    private final long[] now = {0};
    private final StorageRetry deadline = StorageRetry.untilDeadline(Duration.ofMinutes(2), Duration.ofMillis(500),
            Duration.ofSeconds(30), d -> {
                sleeps.add(d);
                now[0] += d.toNanos();
            }, () -> now[0]);

    @Test
    void withADeadlineAnOutageShorterThanItIsRiddenOutWithGrowingWaits() {
        // The server is down for 70 s of the fake clock, then answers.
        String result = deadline.call("upload " + URI, () -> {
            if (now[0] < Duration.ofSeconds(70).toNanos()) {
                throw new StorageUnavailableException("connection refused", URI, null);
            }
            return "stored";
        });
        assertEquals("stored", result);
        // 0.5 + 1 + 2 + 4 + 8 + 16 = 31.5 s, then capped at 30 s: 61.5 s, 91.5 s >= 70 s.
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(30),
                Duration.ofSeconds(30)), sleeps);
    }

    @Test
    void withADeadlineItGivesUpOnceTheNextWaitWouldEndAfterItNamingTheDeadline() {
        AtomicInteger calls = new AtomicInteger();
        StorageUnavailableException e = assertThrows(StorageUnavailableException.class,
                () -> deadline.call("fetch " + URI, () -> {
                    calls.incrementAndGet();
                    throw new StorageUnavailableException("connection refused", URI, null);
                }));
        long waited = sleeps.stream().mapToLong(Duration::toNanos).sum();
        assertTrue(waited <= Duration.ofMinutes(2).toNanos(), "waited " + Duration.ofNanos(waited));
        // The next wait (30 s) would have ended after the deadline: no more than 30 s of it were left unused.
        assertTrue(waited > Duration.ofMinutes(2).minusSeconds(30).toNanos(), "waited " + Duration.ofNanos(waited));
        assertEquals(sleeps.size() + 1, calls.get());
        assertTrue(e.getMessage().contains("gave up on fetch " + URI + " after " + calls.get() + " attempts in "),
                e.getMessage());
        assertTrue(e.getMessage().contains("optin.s3.retry.deadline PT2M"), e.getMessage());
        assertTrue(e.isRetryable());
    }

    @Test
    void aChangedObjectIsNotRetriedEvenWithADeadline() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(ObjectChangedException.class, () -> deadline.call("fetch", () -> {
            calls.incrementAndGet();
            throw new ObjectChangedException(URI, "aaa", "bbb");
        }));
        assertEquals(1, calls.get());
    }

    @Test
    void aDeadlineNamesItsKeyWhenInvalid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StorageRetry.untilDeadline(
                Duration.ofSeconds(-1), Duration.ofMillis(1), Duration.ofMillis(1), Sleeper.SYSTEM, System::nanoTime));
        assertTrue(e.getMessage().contains("optin.s3.retry.deadline"), e.getMessage());
    }
}
