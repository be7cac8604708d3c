package dev.optinfleet.coordinator.storage;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.ObjectChangedException;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StagingDir;
import dev.optinfleet.storage.StorageRetry;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fetches a job's model, tokenizer and calibration shards through the {@link ObjectCache} (downloaded once per
 * object version, kept in the work dir across jobs and restarts) and links them into a fresh {@link StagingDir}.
 * Transient storage failures are retried with the application's {@link StorageRetry} (doubling backoff until
 * {@code optin.s3.retry.deadline}); a missing object is an {@code ObjectNotFoundException} naming it.
 *
 * <p>Versions: the first staging of a job (planning) takes each object's current version and reports its ETag
 * ({@link StagedInputs#etags()}); the job records them, and every later staging (a re-plan after a restart, the
 * finishing step) asks for exactly those versions. The cache keeps them across jobs and restarts; one that is gone
 * from both the cache and the server fails with an {@link ObjectChangedException} naming the object and both
 * ETags, so a job never mixes two versions of an input. Thread-safe.
 */
@Singleton
public class InputStager {
    static final String STAGING_DIR = "staging";
    /** Where the model's objects go in a staging directory: the directory {@code CheckpointLoader} reads. */
    static final String MODEL_DIR = "model";

    private final ObjectCache cache;
    private final StorageRetry retry;
    private final Path stagingRoot;

    public InputStager(ObjectCache cache, StorageRetry retry, CoordinatorSettings settings) {
        this.cache = cache;
        this.retry = retry;
        this.stagingRoot = settings.workDir().resolve(STAGING_DIR);
    }

    /**
     * Stages the inputs of a completed request (tokenizer_uri filled in).
     *
     * @param withShards whether the calibration shards are needed too (planning) or only the model (outputs)
     * @param pinned     object URI -> ETag the job recorded at planning (null or missing entries: the current
     *                   version)
     * @throws ObjectChangedException when a pinned version is neither cached nor on the server any more
     */
    public StagedInputs stage(String jobId, JobRequest request, boolean withShards, Map<String, String> pinned) {
        StagingDir staging;
        try {
            staging = StagingDir.create(stagingRoot, jobId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging directory for job " + jobId + " in "
                    + stagingRoot, e);
        }
        Map<String, String> versions = new LinkedHashMap<>();
        Map<String, String> pins = pinned == null ? Map.of() : pinned;
        try {
            for (Map.Entry<String, S3Uri> e : ModelObjects.objects(S3Uri.parse(request.modelUri())).entrySet()) {
                link(staging, e.getValue(), MODEL_DIR + "/" + e.getKey(), pins, versions);
            }
            Path tokenizer = link(staging, S3Uri.parse(request.tokenizerUri()), ModelObjects.TOKENIZER_FILE, pins,
                    versions);
            List<Path> shards = new ArrayList<>();
            if (withShards) {
                for (int i = 0; i < request.calibrationUris().size(); i++) {
                    shards.add(link(staging, S3Uri.parse(request.calibrationUris().get(i)),
                            String.format(Locale.ROOT, "shard-%05d.jsonl", i), pins, versions));
                }
            }
            return new StagedInputs(staging.path().resolve(MODEL_DIR), tokenizer, shards, staging, versions);
        } catch (IOException e) {
            staging.close();
            throw new UncheckedIOException("cannot stage the inputs of job " + jobId + " in " + staging.path(), e);
        } catch (RuntimeException e) {
            staging.close();
            throw e;
        }
    }

    private Path link(StagingDir staging, S3Uri uri, String name, Map<String, String> pinned,
                      Map<String, String> versions) throws IOException {
        String etag = pinned.get(uri.toString());
        CachedObject object = retry.call("fetch " + uri, () -> etag == null ? cache.fetch(uri)
                : cache.fetchExact(uri, etag));
        versions.put(uri.toString(), object.etag());
        return staging.link(object, name);
    }
}
