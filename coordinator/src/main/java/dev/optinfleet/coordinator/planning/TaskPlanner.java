package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.S3Uri;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a job into tasks with core's {@link ScoringPlan} (the same split the local pruner runs) and writes each as
 * a self-contained {@link ScoringTaskMessage}. A pure function of the completed request and its inputs.
 */
public final class TaskPlanner {
    private TaskPlanner() {
    }

    /**
     * @param request a completed request (see {@link RequestCompletion}): tokenizer, scoring and task sizes set
     */
    public static JobPlan plan(String jobId, JobRequest request, JobInputs inputs) {
        ScoringSettings settings = ScoringSpecs.toSettings(request.scoring());
        List<ScoringTask> tasks = ScoringPlan.plan(inputs.config(), settings, inputs.shardSizes(),
                request.neuronsPerTask(), request.samplesPerTask());
        List<PlannedTask> planned = new ArrayList<>(tasks.size());
        for (ScoringTask task : tasks) {
            String id = TaskIds.id(task);
            String shardUri = request.calibrationUris().get(task.shard());
            ScoringTaskMessage message = new ScoringTaskMessage(ScoringTaskMessage.SCHEMA_VERSION, jobId, id,
                    request.modelUri(), request.tokenizerUri(), task.shard(), shardUri, request.scoring(),
                    TaskIds.spec(task), etagsOf(request, shardUri, inputs.etags()));
            planned.add(new PlannedTask(id, task, message, units(task, inputs.config())));
        }
        return new JobPlan(planned);
    }

    /**
     * The pinned versions of what one task reads: the model's files, the tokenizer and its shard. Null when planning
     * knew no versions (then the worker pins what the job's first task on it saw).
     */
    static Map<String, String> etagsOf(JobRequest request, String shardUri, Map<String, String> etags) {
        if (etags.isEmpty()) {
            return null;
        }
        List<String> objects = new ArrayList<>();
        for (S3Uri uri : ModelObjects.objects(S3Uri.parse(request.modelUri())).values()) {
            objects.add(uri.toString());
        }
        objects.add(request.tokenizerUri());
        objects.add(shardUri);
        Map<String, String> pinned = new HashMap<>();
        for (String uri : objects) {
            String etag = etags.get(uri);
            if (etag != null) {
                pinned.put(uri, etag);
            }
        }
        return pinned;
    }

    /** Unit evaluations a task performs, as the local pruner counts them. */
    static long units(ScoringTask task, ModelConfig config) {
        if (task instanceof ScoringTask.UnitRange r) {
            return r.count();
        }
        return (long) config.numLayers() * (config.numHeads() + config.intermediateSize());
    }
}
