package dev.optinfleet.storage;

import java.time.Duration;

/**
 * Timeouts of the storage client's HTTP connections. The MinIO client's own defaults are 5 minutes each, so a dead
 * endpoint (packets dropped, not refused) held a request about 20 minutes per object before any retry could start.
 *
 * @param connect establishing a connection, > 0
 * @param read    between two reads of a response, > 0 (not the whole download: a large object may stream for long)
 * @param write   between two writes of a request body, > 0
 */
public record StorageTimeouts(Duration connect, Duration read, Duration write) {
    /** 10 s to connect, 60 s between reads or writes. */
    public static final StorageTimeouts DEFAULT = new StorageTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60),
            Duration.ofSeconds(60));

    public StorageTimeouts {
        positive("optin.s3.connect-timeout", connect);
        positive("optin.s3.read-timeout", read);
        positive("optin.s3.write-timeout", write);
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(key + " must be > 0, was " + value);
        }
    }
}
