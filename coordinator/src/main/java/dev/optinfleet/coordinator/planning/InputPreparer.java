package dev.optinfleet.coordinator.planning;

import dev.optinfleet.coordinator.storage.InputStager;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.coordinator.storage.StagedInputs;
import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.pipeline.LocalPruner;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.storage.S3Uri;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads a job's inputs the way the local pruner does: the checkpoint's architecture, and every calibration shard
 * tokenised with the model's tokenizer, capped at max_samples, for the shard sizes the plan splits and the sample
 * lengths the FLOP model uses. Planning reads config.json and the safetensors header only, never a weight, so its
 * memory does not grow with the model (an ONNX model is imported whole: its config is in its graph). Errors name
 * the S3 object they are about.
 */
@Singleton
public class InputPreparer {
    private static final Logger LOG = Logger.getLogger(InputPreparer.class);

    private final InputStager stager;

    public InputPreparer(InputStager stager) {
        this.stager = stager;
    }

    /**
     * Downloads (or reuses) and reads the inputs of a completed request: config, tokenizer and tensor headers only.
     *
     * @param pinned the versions (object URI -> ETag) the job recorded when it was first planned, null before
     * @throws dev.optinfleet.storage.ObjectChangedException when a pinned version is gone
     */
    public JobInputs prepare(String jobId, JobRequest request, Map<String, String> pinned) {
        try (StagedInputs staged = stager.stage(jobId, request, true, pinned)) {
            ModelConfig config = loadConfig(staged, request);
            List<TokenBatch> batches = tokenize(jobId, request, staged, config);
            int[] sizes = batches.stream().mapToInt(TokenBatch::size).toArray();
            return new JobInputs(config, sizes, LocalPruner.lengths(batches), staged.etags());
        }
    }

    /** The work of a job's finishing step that needs the calibration tokens too (reconstruction). */
    @FunctionalInterface
    public interface CalibratedWork<T> {
        T apply(DenseModel dense, Path tokenizer, List<TokenBatch> calibration);
    }

    /**
     * Applies {@code work} to the dense model (its headers for a safetensors checkpoint: weights are read only by
     * what needs them), the local tokenizer.json and every calibration shard tokenised exactly as for scoring (same
     * tokenizer, same max_samples), so that reconstruction in the finishing step fits on the tokens the local pruner
     * uses. Exactly the {@code pinned} versions (those the job's tasks scored), or it fails naming the changed
     * object. All are valid only during the call.
     */
    public <T> T withCalibration(String jobId, JobRequest request, Map<String, String> pinned,
                                 CalibratedWork<T> work) {
        try (StagedInputs staged = stager.stage(jobId, request, true, pinned)) {
            DenseModel dense = open(staged, request);
            return work.apply(dense, staged.tokenizer(), tokenize(jobId, request, staged, dense.config()));
        }
    }

    private List<TokenBatch> tokenize(String jobId, JobRequest request, StagedInputs staged, ModelConfig config) {
        ScoringSettings settings = ScoringSpecs.toSettings(request.scoring());
        List<TokenBatch> batches = new ArrayList<>();
        try (TextTokenizer tokenizer = loadTokenizer(staged.tokenizer(), request,
                settings.tokenLimit(config.maxPositions()))) {
            for (int i = 0; i < staged.shards().size(); i++) {
                String uri = request.calibrationUris().get(i);
                CalibrationShard shard = readShard(staged.shards().get(i), uri);
                TokenBatch batch = shard.tokenize(tokenizer, settings.maxSamples());
                if (batch.truncated() > 0) {
                    LOG.warnf("job %s: %d text(s) of %s are longer than %d tokens and were cut there", jobId,
                            batch.truncated(), uri, tokenizer.maxLength());
                }
                batches.add(batch);
            }
        }
        return batches;
    }

    /**
     * Applies {@code work} to the dense checkpoint (named after the job) and the local tokenizer.json; both are valid
     * only during the call.
     */
    public <T> T withCheckpoint(String jobId, JobRequest request, Map<String, String> pinned,
                                BiFunction<Checkpoint, Path, T> work) {
        try (StagedInputs staged = stager.stage(jobId, request, false, pinned)) {
            return work.apply(load(staged, request), staged.tokenizer());
        }
    }

    /** The dense checkpoint, named after the job: the name every mask.json and the scores carry. */
    private static Checkpoint load(StagedInputs staged, JobRequest request) {
        try {
            return CheckpointLoader.load(staged.modelDir()).named(request.name());
        } catch (CheckpointFormatException e) {
            throw renamed(e, staged.modelDir(), request);
        }
    }

    /** The dense model, named after the job: its headers, or its weights when it is an ONNX model. */
    private static DenseModel open(StagedInputs staged, JobRequest request) {
        try {
            return DenseModel.open(staged.modelDir(), request.name());
        } catch (CheckpointFormatException e) {
            throw renamed(e, staged.modelDir(), request);
        }
    }

    /** The dense model's architecture from its headers (see the class comment). */
    private static ModelConfig loadConfig(StagedInputs staged, JobRequest request) {
        try {
            return CheckpointLoader.config(staged.modelDir());
        } catch (CheckpointFormatException e) {
            throw renamed(e, staged.modelDir(), request);
        }
    }

    private static TextTokenizer loadTokenizer(Path file, JobRequest request, int limit) {
        try {
            return TextTokenizer.load(file, limit);
        } catch (CheckpointFormatException e) {
            return throwRenamed(e, request.tokenizerUri());
        }
    }

    /**
     * The same problem, told about the S3 object it is in rather than the staged file it was read from, so that the
     * job's error names what its author can fix.
     */
    static CheckpointFormatException renamed(CheckpointFormatException e, Path modelDir, JobRequest request) {
        String object = request.modelUri();
        String source = e.source() == null ? "" : e.source();
        for (Map.Entry<String, S3Uri> f : ModelObjects.objects(S3Uri.parse(request.modelUri())).entrySet()) {
            if (source.equals(modelDir.resolve(f.getKey()).toString())) {
                object = f.getValue().toString();
            }
        }
        return new CheckpointFormatException(object, e.field(), problem(e), e);
    }

    private static <T> T throwRenamed(CheckpointFormatException e, String object) {
        throw new CheckpointFormatException(object, e.field(), problem(e), e);
    }

    private static String problem(CheckpointFormatException e) {
        String prefix = (e.source() == null ? "" : e.source()) + (e.field() == null ? "" : ": " + e.field()) + ": ";
        String message = e.getMessage() == null ? "" : e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static CalibrationShard readShard(Path file, String uri) {
        try (InputStream in = Files.newInputStream(file)) {
            return CalibrationReader.read(uri, in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cached copy of " + uri, e);
        }
    }
}
