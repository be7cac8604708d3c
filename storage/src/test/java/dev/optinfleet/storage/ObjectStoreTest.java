package dev.optinfleet.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.optinfleet.embedded.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreTest {

    private static final String BUCKET = "store-test";

    @TempDir
    static Path data;

    private static S3ProxyServer server;
    private static ObjectStore store;

    @BeforeAll
    static void start() {
        server = S3ProxyServer.start(data);
        System.out.println("S3ProxyServer started in " + server.startupTime().toMillis() + " ms");
        store = new ObjectStore(StorageSettings.of(server.endpoint(), server.accessKey(), server.secretKey()));
        store.ensureBucket(BUCKET);
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void putGetStatListRoundTrip(@TempDir Path work) throws Exception {
        byte[] config = "{\"hidden_size\":384}".getBytes(StandardCharsets.UTF_8);
        S3Uri configUri = S3Uri.parse("s3://" + BUCKET + "/models/minilm/1/config.json");
        ObjectInfo put = store.putBytes(configUri, config);
        assertEquals(config.length, put.size());
        assertFalse(put.etag().isBlank());
        assertFalse(put.etag().contains("\""), put.etag());

        Path weights = work.resolve("model.safetensors");
        Files.write(weights, new byte[70_000]);
        S3Uri weightsUri = S3Uri.parse("s3://" + BUCKET + "/models/minilm/1/model.safetensors");
        store.putFile(weightsUri, weights);
        store.putBytes(S3Uri.parse("s3://" + BUCKET + "/models/other/1/config.json"), config);

        ObjectInfo stat = store.stat(configUri);
        assertEquals(put.etag(), stat.etag());
        assertEquals(config.length, stat.size());
        assertTrue(store.exists(weightsUri));

        Path copy = work.resolve("out/config.json");
        ObjectInfo got = store.getToFile(configUri, copy);
        assertArrayEquals(config, Files.readAllBytes(copy));
        assertEquals(put.etag(), got.etag());
        assertArrayEquals(config, store.getBytes(configUri));
        try (var leftovers = Files.list(copy.getParent())) {
            assertEquals(List.of(copy), leftovers.toList(), "no temporary files left beside the target");
        }

        List<ObjectInfo> listed = store.list(S3Uri.parse("s3://" + BUCKET + "/models/minilm/"));
        assertEquals(List.of(configUri, weightsUri), listed.stream().map(ObjectInfo::uri).toList());
        assertEquals(70_000, listed.get(1).size());
        assertEquals(put.etag(), listed.get(0).etag());
    }

    @Test
    void userMetadataKeysComeBackInLowerCase() {
        S3Uri uri = S3Uri.parse("s3://" + BUCKET + "/meta/report.html");
        store.putBytes(uri, new byte[] {1, 2, 3}, "text/html", Map.of("job-id", "job-42"));
        assertEquals(Map.of("job-id", "job-42"), store.stat(uri).userMetadata());
    }

    @Test
    void missingObjectIsNotFoundNamingTheUri(@TempDir Path work) {
        S3Uri uri = S3Uri.parse("s3://" + BUCKET + "/missing/model.safetensors");
        ObjectNotFoundException stat = assertThrows(ObjectNotFoundException.class, () -> store.stat(uri));
        assertTrue(stat.getMessage().contains("s3://" + BUCKET + "/missing/model.safetensors"), stat.getMessage());
        assertFalse(stat.isRetryable());
        assertEquals(uri, stat.uri());

        ObjectNotFoundException get = assertThrows(ObjectNotFoundException.class,
                () -> store.getToFile(uri, work.resolve("x")));
        assertTrue(get.getMessage().contains(uri.toString()), get.getMessage());
        assertFalse(Files.exists(work.resolve("x")));
        assertFalse(store.exists(uri));
    }

    @Test
    void missingBucketIsNotFoundNamingTheBucket() {
        S3Uri uri = S3Uri.parse("s3://no-such-bucket/a/b");
        ObjectNotFoundException e = assertThrows(ObjectNotFoundException.class, () -> store.getBytes(uri));
        assertTrue(e.getMessage().contains("s3://no-such-bucket/a/b"), e.getMessage());
    }

    @Test
    void wrongCredentialsAreNotRetryable() {
        try (ObjectStore wrong = new ObjectStore(StorageSettings.of(server.endpoint(), server.accessKey(),
                "not-the-secret"))) {
            StorageRequestException e = assertThrows(StorageRequestException.class,
                    () -> wrong.stat(S3Uri.parse("s3://" + BUCKET + "/any")));
            assertFalse(e.isRetryable());
            assertTrue(e.getMessage().contains("s3://" + BUCKET + "/any"), e.getMessage());
        }
    }

    @Test
    void unreachableServerIsRetryable() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ObjectStore down = new ObjectStore(StorageSettings.of("http://127.0.0.1:" + closedPort, "a", "b"))) {
            StorageUnavailableException e = assertThrows(StorageUnavailableException.class,
                    () -> down.stat(S3Uri.parse("s3://" + BUCKET + "/any")));
            assertTrue(e.isRetryable());
            assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersFailsAfterTheReadTimeoutNotTheClientsFiveMinutes() throws Exception {
        // A listening socket that never answers: what a hung endpoint looks like to the client.
        try (var silent = new java.net.ServerSocket(0);
             ObjectStore hung = new ObjectStore(StorageSettings.of("http://127.0.0.1:" + silent.getLocalPort(), "a",
                     "b"), new StorageTimeouts(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
                     java.time.Duration.ofSeconds(1)))) {
            assertEquals(java.time.Duration.ofSeconds(1), hung.timeouts().read());
            long started = System.nanoTime();
            StorageUnavailableException e = assertThrows(StorageUnavailableException.class,
                    () -> hung.stat(S3Uri.parse("s3://" + BUCKET + "/any")));
            long took = (System.nanoTime() - started) / 1_000_000;
            assertTrue(e.isRetryable());
            // The client may retry a timed-out request once itself; still seconds, not minutes.
            assertTrue(took < 15_000, "gave up after " + took + " ms");
        }
    }

    @Test
    void defaultTimeoutsAreSecondsNotMinutes() {
        assertEquals(StorageTimeouts.DEFAULT, store.timeouts());
        assertEquals(java.time.Duration.ofSeconds(10), StorageTimeouts.DEFAULT.connect());
        assertEquals(java.time.Duration.ofSeconds(60), StorageTimeouts.DEFAULT.read());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StorageTimeouts(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1),
                        java.time.Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("optin.s3.connect-timeout"), e.getMessage());
    }

    @Test
    void ensureBucketIsIdempotent() {
        store.ensureBucket("store-test-second");
        store.ensureBucket("store-test-second");
        assertTrue(store.list(S3Uri.parse("s3://store-test-second")).isEmpty());
    }
}
