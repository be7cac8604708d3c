package dev.optinfleet.worker.storage;

import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import dev.optinfleet.storage.StorageRetry;
import dev.optinfleet.storage.StorageUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectFetcherTest {

    @Test
    void keepsTryingAnUnreachableServerUntilTheDeadlineThenGivesUpRetryable(@TempDir Path dir) throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        S3Uri uri = S3Uri.parse("s3://models/minilm/model.onnx");
        try (ObjectStore store = new ObjectStore(StorageSettings.of("http://127.0.0.1:" + closedPort, "ak", "sk"))) {
            // A clock only the sleeper moves: the 2-minute deadline passes without a real wait.
            long[] now = {0};
            List<Duration> waits = new ArrayList<>();
            StorageRetry retry = StorageRetry.untilDeadline(Duration.ofMinutes(2), Duration.ofSeconds(1),
                    Duration.ofSeconds(20), d -> {
                        waits.add(d);
                        now[0] += d.toNanos();
                    }, () -> now[0]);
            ObjectFetcher fetcher = new ObjectFetcher(store, new ObjectCache(store, dir.resolve("objects"), 1 << 20),
                    retry);

            StorageUnavailableException e = assertThrows(StorageUnavailableException.class, () -> fetcher.stat(uri));

            // 1 + 2 + 4 + 8 + 16 + 4 x 20 = 111 s of waits; the next 20 s would end after the 2 minutes.
            assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                    Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(20), Duration.ofSeconds(20),
                    Duration.ofSeconds(20), Duration.ofSeconds(20)), waits);
            assertTrue(e.getMessage().contains("after 10 attempts"), e.getMessage());
            assertTrue(e.getMessage().contains(uri.toString()), e.getMessage());
            assertTrue(e.isRetryable());
        }
    }
}
