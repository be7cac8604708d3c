package dev.optinfleet.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StagingDirTest {

    @Test
    void stagesUnderTheExpectedNamesAndOnCloseUnpinsAndDeletesButKeepsTheCachedFiles(@TempDir Path dir)
            throws IOException {
        Path cached = Files.writeString(dir.resolve("cache-entry"), "{\"hidden_size\": 4}");
        AtomicInteger released = new AtomicInteger();
        CachedObject object = new CachedObject(S3Uri.parse("s3://models/m/config.json"), "etag-1", cached,
                Files.size(cached), released::incrementAndGet);

        StagingDir staging = StagingDir.create(dir.resolve("staging"), "job-1");
        Path staged = staging.link(object, "model/config.json");

        assertEquals(staging.path().resolve("model").resolve("config.json"), staged);
        assertTrue(staging.path().getFileName().toString().startsWith("job-1-"), staging.path().toString());
        assertEquals("{\"hidden_size\": 4}", Files.readString(staged));
        assertEquals(0, released.get(), "pinned while staged");

        staging.close();

        assertEquals(1, released.get());
        assertFalse(Files.exists(staging.path()));
        assertTrue(Files.exists(cached), "the cache's own file outlives the link to it");
    }

    @Test
    void twoStagingsOfOneJobGetTheirOwnDirectories(@TempDir Path dir) throws IOException {
        try (StagingDir a = StagingDir.create(dir, "job-1"); StagingDir b = StagingDir.create(dir, "job-1")) {
            assertNotEquals(a.path(), b.path());
            assertTrue(Files.isDirectory(a.path()) && Files.isDirectory(b.path()));
        }
    }
}
