package dev.optinfleet.coordinator.storage;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectCache;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StagingDir;
import dev.optinfleet.storage.StorageRetry;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fetches a job's model, tokenizer and calibration shards through the {@link ObjectCache} (downloaded once per
 * object version, kept in the work dir across jobs and restarts) and links them into a fresh {@link StagingDir}.
 * Transient storage failures are retried ({@link StorageRetry}); a missing object is an
 * {@code ObjectNotFoundException} naming it. Thread-safe.
 */
@Singleton
public class InputStager {
    static final String STAGING_DIR = "staging";
    /** Where the model's objects go in a staging directory: the directory {@code CheckpointLoader} reads. */
    static final String MODEL_DIR = "model";

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
        StagingDir staging;
        try {
            staging = StagingDir.create(stagingRoot, jobId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging directory for job " + jobId + " in "
                    + stagingRoot, e);
        }
        try {
            for (Map.Entry<String, S3Uri> e : ModelObjects.objects(S3Uri.parse(request.modelUri())).entrySet()) {
                link(staging, e.getValue(), MODEL_DIR + "/" + e.getKey());
            }
            Path tokenizer = link(staging, S3Uri.parse(request.tokenizerUri()), ModelObjects.TOKENIZER_FILE);
            List<Path> shards = new ArrayList<>();
            if (withShards) {
                for (int i = 0; i < request.calibrationUris().size(); i++) {
                    shards.add(link(staging, S3Uri.parse(request.calibrationUris().get(i)),
                            String.format(Locale.ROOT, "shard-%05d.jsonl", i)));
                }
            }
            return new StagedInputs(staging.path().resolve(MODEL_DIR), tokenizer, shards, staging);
        } catch (IOException e) {
            staging.close();
            throw new UncheckedIOException("cannot stage the inputs of job " + jobId + " in " + staging.path(), e);
        } catch (RuntimeException e) {
            staging.close();
            throw e;
        }
    }

    private Path link(StagingDir staging, S3Uri uri, String name) throws IOException {
        return staging.link(StorageRetry.DEFAULT.call("fetch " + uri, () -> cache.fetch(uri)), name);
    }
}
