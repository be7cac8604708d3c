package dev.optinfleet.worker.storage;

import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import dev.optinfleet.storage.StorageUnavailableException;
import dev.optinfleet.worker.config.WorkerConfig;
import dev.optinfleet.worker.config.WorkerSettings;
import io.quarkus.runtime.configuration.MemorySize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectFetcherTest {

    @Test
    void givesUpOnAnUnreachableServerAfterTheConfiguredAttempts(@TempDir Path dir) throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        WorkerSettings settings = new WorkerSettings(config(dir, 3));
        S3Uri uri = S3Uri.parse("s3://models/minilm/model.onnx");
        try (ObjectStore store = new ObjectStore(StorageSettings.of("http://127.0.0.1:" + closedPort, "ak", "sk"))) {
            ObjectFetcher fetcher = new ObjectFetcher(store, new ObjectCache(store, dir.resolve("objects"), 1 << 20),
                    settings);

            StorageUnavailableException e = assertThrows(StorageUnavailableException.class, () -> fetcher.stat(uri));

            assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
            assertTrue(e.getMessage().contains(uri.toString()), e.getMessage());
            assertTrue(e.isRetryable());
        }
    }

    private static WorkerConfig config(Path dir, int attempts) {
        return new WorkerConfig() {
            @Override
            public Optional<String> id() {
                return Optional.of("unit-test");
            }

            @Override
            public Path cacheDir() {
                return dir;
            }

            @Override
            public MemorySize cacheMaxSize() {
                return new MemorySize(BigInteger.valueOf(1 << 20));
            }

            @Override
            public Optional<String> engine() {
                return Optional.empty();
            }

            @Override
            public Optional<String> memory() {
                return Optional.of("2g");
            }

            @Override
            public String device() {
                return "cpu";
            }

            @Override
            public Duration publishTimeout() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Retry retry() {
                return new Retry() {
                    @Override
                    public int maxAttempts() {
                        return attempts;
                    }

                    @Override
                    public Duration initialBackoff() {
                        return Duration.ofMillis(1);
                    }

                    @Override
                    public Duration maxBackoff() {
                        return Duration.ofMillis(2);
                    }
                };
            }
        };
    }
}
