package dev.optinfleet.worker.scoring;

import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.PassProgress;
import dev.optinfleet.core.scoring.ScoringContext;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.UnitTermsMessage;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.worker.config.WorkerSettings;
import dev.optinfleet.worker.storage.ObjectFetcher;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one scoring task end to end: settings and task from the message, the versions (ETags) of the model,
 * tokenizer and shard objects, then core's {@link TaskRunner} on the {@link ModelRuntime}'s loaded model.
 *
 * <p>Versions: the ones the task carries ({@code input_etags}, read once by the coordinator at planning), so every
 * worker of a job scores the same inputs; the {@link ObjectFetcher} loads exactly those or fails the task with an
 * {@code ObjectChangedException} naming the object and both ETags. A task without them (an older coordinator) scores
 * the versions this worker's first task of the job saw.
 *
 * <p>Failures are thrown as they come, typed by what the caller can do: {@link IllegalArgumentException} (invalid
 * task, bad shard), {@code ObjectNotFoundException}, {@code CheckpointFormatException} are the message's fault;
 * {@code StorageUnavailableException} arrives only after the configured retries.
 */
@Singleton
public class TaskExecutor {
    private final ModelRuntime runtime;
    private final ObjectFetcher fetcher;
    private final String workerId;
    private final WorkerSettings settings;
    /** The benchmark mode; null or off: every task is computed. */
    private final SimulatedCompute simulated;
    /**
     * (job, object URI) -> the ETag this worker's first task of the job saw. Every later task of the job on this
     * worker scores the same versions, even if an object is overwritten mid-job, and costs no HEAD request per
     * object; bounded, oldest first out.
     */
    private final Map<String, String> jobVersions = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 1024;
        }
    };

    @Inject
    public TaskExecutor(ModelRuntime runtime, ObjectFetcher fetcher, WorkerSettings settings,
                        SimulatedCompute simulated) {
        this.runtime = runtime;
        this.fetcher = fetcher;
        this.workerId = settings.workerId();
        this.settings = settings;
        this.simulated = simulated;
    }

    /** An executor that always computes (subclasses in tests): the benchmark mode is never on. */
    public TaskExecutor(ModelRuntime runtime, ObjectFetcher fetcher, WorkerSettings settings) {
        this(runtime, fetcher, settings, null);
    }

    /** Scores the task; blocks for the download, load and scoring. */
    public TaskScores execute(ScoringTaskMessage message) {
        return execute(message, PassProgress.NONE);
    }

    /** Scores the task, telling {@code progress} after every pass. */
    public TaskScores execute(ScoringTaskMessage message, PassProgress progress) {
        ScoringSettings settings = ScoringSpecs.toSettings(message.scoring());
        ScoringTask task = ScoringSpecs.toTask(message.task(), message.shardIndex(), settings.scorer());
        List<ObjectRef> modelFiles = new ArrayList<>();
        for (Map.Entry<String, S3Uri> e : ModelObjects.objects(S3Uri.parse(message.modelUri())).entrySet()) {
            modelFiles.add(version(message, e.getValue(), e.getKey()));
        }
        ObjectRef tokenizer = version(message, S3Uri.parse(message.tokenizerUri()), ModelObjects.TOKENIZER_FILE);
        ObjectRef shard = version(message, S3Uri.parse(message.shardUri()), "shard.jsonl");
        if (simulated != null && simulated.enabled()) {
            // the benchmark mode (optin.worker.simulate-compute): the one place it replaces the engine
            return simulated.run(message, modelFiles, tokenizer, shard, settings, task, progress);
        }
        boolean exact = task instanceof ScoringTask.UnitRange;
        return runtime.run(modelFiles, tokenizer, shard, settings, exact, prepared -> {
            long started = System.nanoTime();
            ScoringContext context = ScoringContext.of(this.settings.memory(), prepared.encoder(), progress);
            List<UnitTerms> terms = TaskRunner.run(task, prepared.encoder(), prepared.batch(), prepared.teacher(),
                    settings, context);
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            List<UnitTermsMessage> wire = new ArrayList<>(terms.size());
            long units = 0;
            for (UnitTerms t : terms) {
                wire.add(JobOutputs.toMessage(t));
                units += t.size();
            }
            return new TaskScores(TaskScores.SCHEMA_VERSION, message.jobId(), message.taskId(), workerId, wire,
                    units, elapsedMs, prepared.encoder().engineName() + " on " + prepared.encoder().deviceName());
        });
    }

    private ObjectRef version(ScoringTaskMessage message, S3Uri uri, String localName) {
        String pinned = message.etagOf(uri.toString());
        if (pinned != null) {
            return new ObjectRef(uri, pinned, localName);
        }
        String key = message.jobId() + " " + uri;
        String etag;
        synchronized (jobVersions) {
            etag = jobVersions.get(key);
        }
        if (etag == null) {
            ObjectInfo info = fetcher.stat(uri.requireObject());
            etag = info.etag();
            synchronized (jobVersions) {
                jobVersions.putIfAbsent(key, etag);
                etag = jobVersions.get(key);
            }
        }
        return new ObjectRef(uri, etag, localName);
    }
}
