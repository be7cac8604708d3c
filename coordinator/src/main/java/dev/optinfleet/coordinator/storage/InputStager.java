package dev.optinfleet.coordinator.storage;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.S3Uri;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Fetches a job's model, tokenizer and calibration shards through the {@link ObjectCache} (downloaded once per
 * object version, kept in the work dir across jobs and restarts) and links them into a fresh staging directory.
 * Transient storage failures are retried ({@link StorageRetry}); a missing object is an
 * {@code ObjectNotFoundException} naming it. Thread-safe.
 */
@Singleton
public class InputStager {
    static final String STAGING_DIR = "staging";

    private final ObjectCache cache;
    private final Path stagingRoot;

    public InputStager(ObjectCache cache, CoordinatorSettings settings) {
        this.cache = cache;
        this.stagingRoot = settings.workDir().resolve(STAGING_DIR);
    }

    /**
     * Stages the inputs of a completed request (tokenizer_uri filled in).
     *
     * @param withShards whether the calibration shards are needed too (planning) or only the model (outputs)
     */
    public StagedInputs stage(String jobId, JobRequest request, boolean withShards) {
        Path dir = stagingRoot.resolve(jobId + "-" + UUID.randomUUID());
        Path modelDir = dir.resolve("model");
        List<CachedObject> pinned = new ArrayList<>();
        try {
            Files.createDirectories(modelDir);
            for (Map.Entry<String, S3Uri> e : ModelObjects.objects(S3Uri.parse(request.modelUri())).entrySet()) {
                link(e.getValue(), modelDir.resolve(e.getKey()), pinned);
            }
            Path tokenizer = dir.resolve(ModelObjects.TOKENIZER_FILE);
            link(S3Uri.parse(request.tokenizerUri()), tokenizer, pinned);
            List<Path> shards = new ArrayList<>();
            if (withShards) {
                for (int i = 0; i < request.calibrationUris().size(); i++) {
                    Path shard = dir.resolve(String.format(Locale.ROOT, "shard-%05d.jsonl", i));
                    link(S3Uri.parse(request.calibrationUris().get(i)), shard, pinned);
                    shards.add(shard);
                }
            }
            return new StagedInputs(modelDir, tokenizer, shards, pinned);
        } catch (IOException e) {
            pinned.forEach(CachedObject::close);
            LocalDirs.deleteTree(dir);
            throw new UncheckedIOException("cannot stage the inputs of job " + jobId + " in " + dir, e);
        } catch (RuntimeException e) {
            pinned.forEach(CachedObject::close);
            LocalDirs.deleteTree(dir);
            throw e;
        }
    }

    private void link(S3Uri uri, Path target, List<CachedObject> pinned) throws IOException {
        CachedObject cached = StorageRetry.call("fetch " + uri, () -> cache.fetch(uri));
        pinned.add(cached);
        try {
            Files.createSymbolicLink(target, cached.path());
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(cached.path(), target);
        }
    }
}
