package dev.optinfleet.worker.scoring;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.DeviceChoice;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.scoring.ScoringContext;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.storage.CachedObject;
import dev.optinfleet.storage.StagingDir;
import dev.optinfleet.worker.config.WorkerSettings;
import dev.optinfleet.worker.storage.ObjectFetcher;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The loaded model and the prepared shard of the last task, kept for the next one: tasks of one job arrive
 * together, and loading a checkpoint (seconds) and the teacher pass (a forward pass plus Gram matrices) cost more
 * than most tasks.
 *
 * <ul>
 *   <li>model slot: (model objects and tokenizer, each as URI + ETag) -> {@link Checkpoint}, {@link Encoder},
 *       {@link TextTokenizer};</li>
 *   <li>shard slot: (model slot, shard URI + ETag, settings) -> {@link TokenBatch} and, for exact scorers, its
 *       {@link TeacherPass}.</li>
 * </ul>
 * A different key evicts and closes the slot's old content (the shard slot first: its teacher lives on the old
 * encoder). Files come through the {@link ObjectFetcher} (cached on disk by URI + ETag) and are linked under their
 * expected names into a per-load {@link StagingDir}, deleted once loaded.
 *
 * <p>Threads: {@link #run} executes one task at a time per process, holding a lock while it loads and scores. That
 * keeps DJL's rules: a {@link TeacherPass} is used by one thread at a time, only one gradient pass (Fisher) is open
 * in the process, and nothing is closed while a task uses it.
 */
@Singleton
public class ModelRuntime {
    private static final Logger LOG = Logger.getLogger(ModelRuntime.class);
    static final String STAGING_DIR = "staging";

    private final ObjectFetcher fetcher;
    private final WorkerMetrics metrics;
    private final String engine;
    private final DeviceChoice device;
    private final MemoryBudget memory;
    private final Path stagingRoot;
    private final ReentrantLock lock = new ReentrantLock(true);

    /** Guarded by {@link #lock}. */
    private LoadedModel model;
    /** Guarded by {@link #lock}. */
    private PreparedShard shard;

    public ModelRuntime(ObjectFetcher fetcher, WorkerMetrics metrics, WorkerSettings settings) {
        this.fetcher = fetcher;
        this.metrics = metrics;
        this.engine = settings.engine();
        this.device = settings.device();
        this.memory = settings.memory();
        this.stagingRoot = settings.cacheDir().resolve(STAGING_DIR);
    }

    /** What a task runs against, valid only inside {@link #run}'s work function. */
    public record Prepared(Encoder encoder, TokenBatch batch, TeacherPass teacher) {
    }

    /**
     * Loads (or reuses) the model and the shard, then applies {@code work} to them, with the process-wide lock held.
     *
     * @param modelFiles  the model's objects under their local names (see {@link dev.optinfleet.storage.ModelObjects})
     * @param tokenizer   its tokenizer.json
     * @param shardObject the calibration shard (JSON Lines)
     * @param settings    the task's settings (sample count, token rows and seed shape the teacher pass)
     * @param needTeacher whether the task uses the teacher pass (exact scorers)
     */
    public <T> T run(List<ObjectRef> modelFiles, ObjectRef tokenizer, ObjectRef shardObject,
                     ScoringSettings settings, boolean needTeacher, Function<Prepared, T> work) {
        ModelKey modelKey = new ModelKey(List.copyOf(modelFiles), tokenizer);
        ShardKey shardKey = new ShardKey(modelKey, shardObject.version(), settings);
        lock.lock();
        try {
            LoadedModel m = model(modelKey);
            PreparedShard s = shard(shardKey, m, shardObject, settings);
            if (needTeacher && s.teacher == null) {
                // Planned from the worker's budget, as its tasks are: the teacher keeps layer inputs only while it allows.
                s.teacher = new TeacherPass(m.encoder, s.batch, settings,
                        ScoringContext.of(memory, m.encoder, null));
            }
            return work.apply(new Prepared(m.encoder, s.batch, needTeacher ? s.teacher : null));
        } finally {
            lock.unlock();
        }
    }

    @PreDestroy
    void close() {
        lock.lock();
        try {
            dropShard();
            dropModel();
        } finally {
            lock.unlock();
        }
    }

    private LoadedModel model(ModelKey key) {
        if (model != null && model.key.equals(key)) {
            metrics.modelCacheHit();
            return model;
        }
        metrics.modelCacheMiss();
        dropShard();
        dropModel();
        model = load(key);
        return model;
    }

    private PreparedShard shard(ShardKey key, LoadedModel m, ObjectRef object, ScoringSettings settings) {
        if (shard != null && shard.key.equals(key)) {
            metrics.shardCacheHit();
            return shard;
        }
        metrics.shardCacheMiss();
        dropShard();
        CalibrationShard calibration;
        try (CachedObject file = fetcher.fetch(object.uri(), object.etag());
             InputStream in = Files.newInputStream(file.path())) {
            calibration = CalibrationReader.read(object.uri().toString(), in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cached copy of " + object.uri(), e);
        }
        TokenBatch batch;
        int limit = settings.tokenLimit(m.encoder.config().maxPositions());
        if (limit == m.tokenizer.maxLength()) {
            batch = calibration.tokenize(m.tokenizer, settings.maxSamples());
        } else {
            try (TextTokenizer limited = m.tokenizer.limitedTo(limit)) {
                batch = calibration.tokenize(limited, settings.maxSamples());
            }
        }
        shard = new PreparedShard(key, batch);
        return shard;
    }

    private LoadedModel load(ModelKey key) {
        long started = System.nanoTime();
        StagingDir staging;
        try {
            staging = StagingDir.create(stagingRoot, "model");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging directory in " + stagingRoot, e);
        }
        try (staging) {
            for (ObjectRef ref : key.files) {
                stage(ref, staging);
            }
            stage(key.tokenizer, staging);
            Checkpoint checkpoint = CheckpointLoader.load(staging.path()).named(key.files.get(0).uri().toString());
            TextTokenizer tokenizer = TextTokenizer.load(staging.path().resolve(key.tokenizer.localName()),
                    checkpoint.config().maxPositions());
            Encoder encoder;
            try {
                encoder = Encoder.load(checkpoint, engine, device);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
            LOG.infof("loaded %s (%s) on %s in %d ms", key.files.get(0).uri(), checkpoint.config(),
                    encoder.engineName(), (System.nanoTime() - started) / 1_000_000);
            return new LoadedModel(key, encoder, tokenizer);
        } catch (CheckpointFormatException e) {
            throw renamed(e, staging.path(), key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the model files in " + staging.path(), e);
        }
    }

    /**
     * The same problem, told about the S3 object it is in rather than the staging file it was read from, so that a
     * dead letter names what the job's author can fix.
     */
    private static CheckpointFormatException renamed(CheckpointFormatException e, Path staging, ModelKey key) {
        String source = e.source() == null ? "" : e.source();
        String prefix = source + (e.field() == null ? "" : ": " + e.field()) + ": ";
        String message = e.getMessage() == null ? "" : e.getMessage();
        String problem = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        String object = key.files.get(0).uri().toString();
        List<ObjectRef> all = new ArrayList<>(key.files);
        all.add(key.tokenizer);
        for (ObjectRef ref : all) {
            if (source.equals(staging.resolve(ref.localName()).toString())) {
                object = ref.uri().toString();
            }
        }
        return new CheckpointFormatException(object, e.field(), problem, e);
    }

    /** Fetches the object and links (or, where links are refused, copies) it into the staging directory. */
    private void stage(ObjectRef ref, StagingDir staging) throws IOException {
        staging.link(fetcher.fetch(ref.uri(), ref.etag()), ref.localName());
    }

    private void dropShard() {
        if (shard != null) {
            if (shard.teacher != null) {
                shard.teacher.close();
            }
            shard = null;
        }
    }

    private void dropModel() {
        if (model != null) {
            model.encoder.close();
            model.tokenizer.close();
            model = null;
        }
    }

    private record ModelKey(List<ObjectRef> files, ObjectRef tokenizer) {
        ModelKey {
            if (files.isEmpty()) {
                throw new IllegalArgumentException("a model needs at least one file");
            }
            Objects.requireNonNull(tokenizer, "tokenizer");
        }
    }

    private record ShardKey(ModelKey model, String shardVersion, ScoringSettings settings) {
    }

    private record LoadedModel(ModelKey key, Encoder encoder, TextTokenizer tokenizer) {
    }

    /** Mutable only in its lazily built teacher; guarded by the runtime's lock. */
    private static final class PreparedShard {
        final ShardKey key;
        final TokenBatch batch;
        TeacherPass teacher;

        PreparedShard(ShardKey key, TokenBatch batch) {
            this.key = key;
            this.batch = batch;
        }
    }
}
