package dev.optinfleet.worker.scoring;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.cost.CostModel;
import dev.optinfleet.core.cost.WorkerKind;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.PassProgress;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.SyntheticTerms;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.StagingDir;
import dev.optinfleet.worker.config.WorkerConfig;
import dev.optinfleet.worker.config.WorkerSettings;
import dev.optinfleet.worker.storage.ObjectFetcher;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BENCHMARK MODE, off by default ({@code optin.worker.simulate-compute=false}): replaces the engine's compute by
 * waiting for the time the cost model gives the task on a worker of kind {@code optin.worker.simulate-kind}
 * (default {@code cpu-2core}), then returns terms of the real result's shape and size with made-up values
 * ({@link SyntheticTerms}). Scores from this mode are meaningless: it exists so that a fan-out benchmark on a small
 * machine measures only the fleet's own work (dispatch, transfers, merge) while N "workers" wait, instead of N
 * engines competing for the same cores (issue 18 item 4).
 *
 * <p>Everything around the compute stays real: the task is read from Kafka, the model files, tokenizer and shard
 * are fetched through the cache at their pinned versions, the shard is tokenized (the cost depends on each
 * sample's length), progress goes out once a second and the result is published and acknowledged as usual. The
 * model's architecture is read from its headers ({@link CheckpointLoader#config}); the engine is never used. As the
 * real runtime keeps a shard's teacher pass, the first exact task of a shard on this worker also waits for it.
 *
 * <p>Chosen in one place, {@link TaskExecutor#execute}; one task at a time per process, like the real runtime.
 */
@Singleton
public class SimulatedCompute {
    private static final Logger LOG = Logger.getLogger(SimulatedCompute.class);
    private static final long PROGRESS_STEP_MILLIS = 250;

    private final boolean enabled;
    private final WorkerKind kind;
    private final ObjectFetcher fetcher;
    private final Path stagingRoot;
    private final String workerId;
    /** model version -> its architecture; shard version + settings -> token lengths (bounded, oldest out). */
    private final Map<String, ModelConfig> configs = bounded();
    private final Map<String, int[]> lengths = bounded();
    /** The shard whose teacher pass this worker has "computed" (the real runtime keeps one shard). */
    private String teacherShard;

    public SimulatedCompute(WorkerConfig config, ObjectFetcher fetcher, WorkerSettings settings) {
        this.enabled = config.simulateCompute();
        this.kind = WorkerKind.find(WorkerKind.bundled(), config.simulateKind());
        this.fetcher = fetcher;
        this.stagingRoot = settings.cacheDir().resolve(ModelRuntime.STAGING_DIR);
        this.workerId = settings.workerId();
        if (enabled) {
            LOG.warnf("BENCHMARK MODE: optin.worker.simulate-compute=true, tasks wait for the cost model's time on %s"
                    + " and publish made-up scores", kind.name());
        }
    }

    /** Whether the benchmark mode is on. */
    public boolean enabled() {
        return enabled;
    }

    /** Waits out the task's estimated time and returns a result of its shape; see the class comment. */
    public synchronized TaskScores run(ScoringTaskMessage message, List<ObjectRef> modelFiles, ObjectRef tokenizer,
                                       ObjectRef shard, ScoringSettings settings, ScoringTask task,
                                       PassProgress progress) {
        String modelKey = modelFiles + " " + tokenizer.version();
        ModelConfig config = configs.get(modelKey);
        if (config == null) {
            config = readConfig(modelFiles, tokenizer);
            configs.put(modelKey, config);
        }
        String shardKey = modelKey + " " + shard.version() + " " + settings;
        int[] sampleLengths = lengths.get(shardKey);
        if (sampleLengths == null) {
            sampleLengths = tokenize(config, tokenizer, shard, settings);
            lengths.put(shardKey, sampleLengths);
        }
        boolean exact = task instanceof ScoringTask.UnitRange;
        boolean teacher = exact && !shardKey.equals(teacherShard);
        if (exact) {
            teacherShard = shardKey;
        }
        double seconds = CostModel.taskSeconds(config, settings, sampleLengths, task, teacher, kind);
        long waited = waitFor(Math.round(seconds * 1000), task, sampleLengths.length, progress);
        List<UnitTermsMessage> wire = new ArrayList<>();
        long units = 0;
        for (UnitTerms t : SyntheticTerms.of(config, task, settings.needsFeatureTerm(), settings.seed())) {
            wire.add(JobOutputs.toMessage(t));
            units += t.size();
        }
        return new TaskScores(TaskScores.SCHEMA_VERSION, message.jobId(), message.taskId(), workerId, wire, units,
                waited, "simulated " + kind.name());
    }

    /** The model's architecture from its files as fetched (headers only for safetensors). */
    private ModelConfig readConfig(List<ObjectRef> modelFiles, ObjectRef tokenizer) {
        try (StagingDir staging = StagingDir.create(stagingRoot, "simulated")) {
            for (ObjectRef ref : modelFiles) {
                staging.link(fetcher.fetch(ref.uri(), ref.etag()), ref.localName());
            }
            staging.link(fetcher.fetch(tokenizer.uri(), tokenizer.etag()), tokenizer.localName());
            return CheckpointLoader.config(staging.path());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the model files in " + stagingRoot, e);
        }
    }

    /** Token lengths of the shard's used samples, as the real runtime tokenizes them. */
    private int[] tokenize(ModelConfig config, ObjectRef tokenizer, ObjectRef shard, ScoringSettings settings) {
        CalibrationShard calibration;
        try (CachedObject file = fetcher.fetch(shard.uri(), shard.etag());
             InputStream in = Files.newInputStream(file.path())) {
            calibration = CalibrationReader.read(shard.uri().toString(), in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cached copy of " + shard.uri(), e);
        }
        try (CachedObject file = fetcher.fetch(tokenizer.uri(), tokenizer.etag());
             TextTokenizer text = TextTokenizer.load(file.path(), settings.tokenLimit(config.maxPositions()))) {
            return calibration.tokenize(text, settings.maxSamples()).lengths();
        }
    }

    /** Sleeps {@code millis}, telling {@code progress} on the way as the engine would; returns the time waited. */
    private static long waitFor(long millis, ScoringTask task, int samples, PassProgress progress) {
        long total = task instanceof ScoringTask.UnitRange u ? (long) u.count() * samples
                : ((ScoringTask.GradientBatch) task).to() - ((ScoringTask.GradientBatch) task).from();
        long started = System.nanoTime();
        long deadline = started + millis * 1_000_000;
        try {
            for (long now = started; now < deadline; now = System.nanoTime()) {
                // the simulated compute itself, not a synchronisation
                Thread.sleep(Math.min(PROGRESS_STEP_MILLIS, Math.max(1, (deadline - now) / 1_000_000)));
                double fraction = Math.min(1, (System.nanoTime() - started) / (double) (millis * 1_000_000L));
                progress.advanced(Math.min(total - 1, Math.round(total * fraction)), total);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while simulating " + task, e);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > 64;
            }
        };
    }
}
