package dev.optinfleet.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.optinfleet.embedded.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectCacheTest {

    private static final String BUCKET = "cache-test";
    private static final long ROOMY = 1 << 20;

    @TempDir
    static Path data;

    private static S3ProxyServer server;
    private static ObjectStore store;

    @BeforeAll
    static void start() {
        server = S3ProxyServer.start(data);
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

    private static S3Uri put(String key, byte[] content) {
        S3Uri uri = S3Uri.of(BUCKET, key);
        store.putBytes(uri, content);
        return uri;
    }

    private static byte[] filled(int size, int value) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void secondFetchOfSameEtagIsAHit(@TempDir Path dir) throws Exception {
        S3Uri uri = put("hit/config.json", "v1".getBytes(StandardCharsets.UTF_8));
        ObjectCache cache = new ObjectCache(store, dir, ROOMY);

        String firstEtag;
        Path firstPath;
        try (CachedObject first = cache.fetch(uri)) {
            firstEtag = first.etag();
            firstPath = first.path();
            assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(first.path()));
        }
        try (CachedObject second = cache.fetch(uri)) {
            assertEquals(firstEtag, second.etag());
            assertEquals(firstPath, second.path());
        }
        assertEquals(1, cache.misses());
        assertEquals(1, cache.hits());
    }

    @Test
    void changedObjectIsFetchedAgainUnderItsNewEtag(@TempDir Path dir) throws Exception {
        S3Uri uri = put("changed/model.bin", "old".getBytes(StandardCharsets.UTF_8));
        ObjectCache cache = new ObjectCache(store, dir, ROOMY);
        String oldEtag;
        try (CachedObject old = cache.fetch(uri)) {
            oldEtag = old.etag();
        }

        store.putBytes(uri, "new content".getBytes(StandardCharsets.UTF_8));
        try (CachedObject fresh = cache.fetch(uri)) {
            assertNotEquals(oldEtag, fresh.etag());
            assertEquals("new content", Files.readString(fresh.path()));
        }
        assertEquals(2, cache.misses());
        assertEquals(0, cache.hits());
        try (CachedObject again = cache.fetch(uri)) {
            assertEquals("new content", Files.readString(again.path()));
        }
        assertEquals(1, cache.hits());
    }

    @Test
    void fetchExactServesThePinnedVersionWhileCachedAndRefusesAnOverwrittenOneNamingBothEtags(@TempDir Path dir)
            throws Exception {
        S3Uri uri = put("exact/shard.jsonl", "version one".getBytes(StandardCharsets.UTF_8));
        ObjectCache cache = new ObjectCache(store, dir, ROOMY);
        String pinned = store.stat(uri).etag();
        try (CachedObject first = cache.fetchExact(uri, pinned)) {
            assertEquals("version one", Files.readString(first.path()));
        }
        store.putBytes(uri, "version two".getBytes(StandardCharsets.UTF_8));
        String current = store.stat(uri).etag();
        assertNotEquals(pinned, current);
        // Cached: the pinned version, without asking the server.
        try (CachedObject again = cache.fetchExact(uri, pinned)) {
            assertEquals("version one", Files.readString(again.path()));
        }
        // Not cached (another cache, e.g. another worker): the server has only the new version.
        ObjectCache other = new ObjectCache(store, dir.resolve("other"), ROOMY);
        ObjectChangedException e = assertThrows(ObjectChangedException.class, () -> other.fetchExact(uri, pinned));
        assertEquals(pinned, e.expectedEtag());
        assertEquals(current, e.foundEtag());
        assertFalse(e.isRetryable());
        assertTrue(e.getMessage().contains(uri.toString()) && e.getMessage().contains(pinned)
                && e.getMessage().contains(current), e.getMessage());
    }

    @Test
    void evictsLeastRecentlyUsedBeyondMaxBytes(@TempDir Path dir) {
        S3Uri a = put("evict/a", filled(100, 'a'));
        S3Uri b = put("evict/b", filled(100, 'b'));
        S3Uri c = put("evict/c", filled(100, 'c'));
        ObjectCache cache = new ObjectCache(store, dir, 250);

        Path pathOfB;
        cache.fetch(a).close();
        try (CachedObject cachedB = cache.fetch(b)) {
            pathOfB = cachedB.path();
        }
        cache.fetch(a).close(); // a is now more recently used than b
        cache.fetch(c).close(); // 300 bytes > 250: b goes

        ObjectCache.Stats stats = cache.stats();
        assertEquals(1, stats.evictions());
        assertEquals(200, stats.bytes());
        assertEquals(2, stats.entries());
        assertFalse(Files.exists(pathOfB), "evicted file deleted");

        cache.fetch(a).close();
        assertEquals(3, cache.misses(), "a stayed cached");
        cache.fetch(b).close();
        assertEquals(4, cache.misses(), "b was downloaded again");
    }

    @Test
    void pinnedEntryOutlivesTheBoundUntilClosed(@TempDir Path dir) throws Exception {
        S3Uri big = put("pinned/big", filled(300, 'x'));
        ObjectCache cache = new ObjectCache(store, dir, 250);
        CachedObject pinned = cache.fetch(big);
        assertEquals(300, Files.size(pinned.path()), "larger than the bound, still readable while pinned");
        pinned.close();
        assertFalse(Files.exists(pinned.path()));
        assertEquals(0, cache.stats().bytes());
    }

    @Test
    void concurrentFetchesOfOneObjectDownloadOnce(@TempDir Path dir) throws Exception {
        S3Uri uri = put("concurrent/shard-00000.jsonl", filled(2_000_000, 's'));
        ObjectCache cache = new ObjectCache(store, dir, 10_000_000);
        int threads = 4;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> sizes = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                sizes.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    try (CachedObject cached = cache.fetch(uri)) {
                        return Files.size(cached.path());
                    }
                }));
            }
            for (Future<Long> size : sizes) {
                assertEquals(2_000_000L, size.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, cache.misses());
        assertEquals(threads - 1, cache.hits());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "one file, no leftovers");
        }
    }

    @Test
    void entriesSurviveARestartOfTheCache(@TempDir Path dir) {
        S3Uri uri = put("restart/tokenizer.json", filled(50, 't'));
        new ObjectCache(store, dir, ROOMY).fetch(uri).close();

        ObjectCache restarted = new ObjectCache(store, dir, ROOMY);
        restarted.fetch(uri).close();
        assertEquals(1, restarted.hits());
        assertEquals(0, restarted.misses());
    }

    @Test
    void missingObjectIsNotFoundAndNotCached(@TempDir Path dir) throws Exception {
        ObjectCache cache = new ObjectCache(store, dir, ROOMY);
        S3Uri missing = S3Uri.of(BUCKET, "nope/missing.bin");
        ObjectNotFoundException e = assertThrows(ObjectNotFoundException.class, () -> cache.fetch(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertThrows(ObjectNotFoundException.class, () -> cache.fetch(missing, "0123"));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
