package dev.optinfleet.storage;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    @Test
    void backoffDoublesUpToTheCap() {
        RetryPolicy p = RetryPolicy.doubling("optin.worker.retry", 6, Duration.ofMillis(100), Duration.ofMillis(350));
        assertEquals(Duration.ofMillis(100), p.backoffAfter(1));
        assertEquals(Duration.ofMillis(200), p.backoffAfter(2));
        assertEquals(Duration.ofMillis(350), p.backoffAfter(3));
        assertEquals(Duration.ofMillis(350), p.backoffAfter(60));
    }

    @Test
    void rejectsInconsistentSettingsNamingTheKey() {
        IllegalArgumentException attempts = assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.doubling("optin.worker.retry", 0, Duration.ZERO, Duration.ZERO));
        assertTrue(attempts.getMessage().contains("optin.worker.retry.max-attempts"), attempts.getMessage());
        IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.doubling("optin.worker.retry", 3, Duration.ofSeconds(2),
                        Duration.ofSeconds(1)));
        assertTrue(cap.getMessage().contains("optin.worker.retry.max-backoff"), cap.getMessage());
    }

    @Test
    void aMultiplierOtherThanTwoGrowsGeometricallyAndTheMlflowDefaultWaitsHalfASecondFirst() {
        // 100 ms · 3^(n-1): 100, 300, 900, then the 2 s cap.
        RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), 3.0, Duration.ofSeconds(2));
        assertEquals(Duration.ofMillis(300), p.backoffAfter(2));
        assertEquals(Duration.ofMillis(900), p.backoffAfter(3));
        assertEquals(Duration.ofSeconds(2), p.backoffAfter(4));
        assertEquals(Duration.ofMillis(500), RetryPolicy.STORAGE_DEFAULT.backoffAfter(1));
        assertEquals(Duration.ofSeconds(2), RetryPolicy.STORAGE_DEFAULT.backoffAfter(3));
        IllegalArgumentException multiplier = assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(2, Duration.ZERO, 0.5, Duration.ZERO));
        assertTrue(multiplier.getMessage().contains("multiplier"), multiplier.getMessage());
    }
}
