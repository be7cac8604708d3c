package dev.optinfleet.worker.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    @Test
    void backoffDoublesUpToTheCap() {
        RetryPolicy p = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMillis(350));
        assertEquals(Duration.ofMillis(100), p.backoffAfter(1));
        assertEquals(Duration.ofMillis(200), p.backoffAfter(2));
        assertEquals(Duration.ofMillis(350), p.backoffAfter(3));
        assertEquals(Duration.ofMillis(350), p.backoffAfter(60));
    }

    @Test
    void rejectsInconsistentSettingsNamingTheKey() {
        IllegalArgumentException attempts = assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
        assertTrue(attempts.getMessage().contains("optin.worker.retry.max-attempts"), attempts.getMessage());
        IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertTrue(cap.getMessage().contains("optin.worker.retry.max-backoff"), cap.getMessage());
    }
}
