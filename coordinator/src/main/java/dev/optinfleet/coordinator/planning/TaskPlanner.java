package dev.optinfleet.coordinator.planning;

import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.task.ScoringTaskMessage;

import java.util.ArrayList;
import java.util.List;

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
            ScoringTaskMessage message = new ScoringTaskMessage(ScoringTaskMessage.SCHEMA_VERSION, jobId, id,
                    request.modelUri(), request.tokenizerUri(), task.shard(),
                    request.calibrationUris().get(task.shard()), request.scoring(), TaskIds.spec(task));
            planned.add(new PlannedTask(id, task, message, units(task, inputs.config())));
        }
        return new JobPlan(planned);
    }

    /** Unit evaluations a task performs, as the local pruner counts them. */
    static long units(ScoringTask task, ModelConfig config) {
        if (task instanceof ScoringTask.UnitRange r) {
            return r.count();
        }
        return (long) config.numLayers() * (config.numHeads() + config.intermediateSize());
    }
}
