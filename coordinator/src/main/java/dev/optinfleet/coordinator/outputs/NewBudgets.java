package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobConflictException;
import dev.optinfleet.coordinator.jobs.JobNotFoundException;
import dev.optinfleet.coordinator.jobs.JobRegistry;
import dev.optinfleet.coordinator.jobs.JobUpdates;
import dev.optinfleet.coordinator.planning.InputPreparer;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Budgets of a done job: the stored mask of a budget it has, or a new budget solved from its stored scores.json
 * (milliseconds of solving, no task published, nothing rescored), written next to the others with its pruned
 * checkpoint unless {@code optin.coordinator.new-budget-checkpoints} is false, and added to the job's results; then
 * every {@link BudgetAddedHook} runs (report drawn again, new checkpoint registered).
 */
@Singleton
public class NewBudgets {
    private final JobRegistry registry;
    private final JobUpdates updates;
    private final ObjectStore store;
    private final InputPreparer preparer;
    private final OutputWriter writer;
    private final boolean withCheckpoints;
    private final List<BudgetAddedHook> hooks;

    public NewBudgets(JobRegistry registry, JobUpdates updates, ObjectStore store, InputPreparer preparer,
                      OutputWriter writer, CoordinatorSettings settings, @Any Instance<BudgetAddedHook> hooks) {
        this.hooks = hooks.stream().toList();
        this.registry = registry;
        this.updates = updates;
        this.store = store;
        this.preparer = preparer;
        this.writer = writer;
        this.withCheckpoints = settings.newBudgetCheckpoints();
    }

    /**
     * The mask.json text of a budget the job has.
     *
     * @throws JobNotFoundException naming the job or the budget when either is unknown
     */
    public String storedMask(String jobId, double budget) {
        Job job = job(jobId);
        BudgetResult result = find(job.status(), budget);
        if (result == null) {
            throw new JobNotFoundException("job " + jobId + " has no budget " + JobOutputs.budgetLabel(budget)
                    + "; it has " + labels(job.status()) + " (POST /jobs/" + jobId + "/budgets adds one)");
        }
        S3Uri uri = S3Uri.parse(result.maskUri());
        return new String(StorageRetry.DEFAULT.call("read " + uri, () -> store.getBytes(uri)), StandardCharsets.UTF_8);
    }

    /**
     * The mask of {@code budget}: the stored one when the job has it, else solved from the stored scores, written
     * and recorded.
     *
     * @throws IllegalArgumentException naming "budget" when it is not in (0, 1]
     * @throws JobNotFoundException     when the job is unknown
     * @throws JobConflictException     when the job is not done
     */
    public MaskDocument answer(String jobId, double budget) {
        Checks.budget("budget", budget);
        Job job = job(jobId);
        synchronized (job.budgetLock()) {
            JobStatus status = job.status();
            if (status.state() != JobState.DONE) {
                throw new JobConflictException("job " + jobId + " is " + status.state().wireName()
                        + "; new budgets are answered from its scores once it is done");
            }
            if (find(status, budget) != null) {
                return MaskJson.read(storedMask(jobId, budget));
            }
            S3Uri scoresUri = S3Uri.parse(status.scoresUri());
            ScoresDocument scores = Json.read(new String(StorageRetry.DEFAULT.call("read " + scoresUri,
                    () -> store.getBytes(scoresUri)), StandardCharsets.UTF_8), ScoresDocument.class);
            return preparer.withCalibration(jobId, job.request(), job.inputEtags(), (dense, tokenizer, calibration) -> {
                FlopModel flops = FlopModel.fromLengths(dense.config(), scores.sampleLengths(), dense.hasPooler());
                try (WrittenOutputs written = withCheckpoints
                        ? writer.write(jobId, job.request(), dense, tokenizer, scores, flops,
                        List.of(budget), false, OutputWriter.repairing(job.request(), calibration))
                        : writer.writeMaskOnly(jobId, job.request(), dense, scores, flops, budget)) {
                    updates.budgetAdded(job, written.results().get(0));
                    AddedBudget added = new AddedBudget(jobId, job.request(), dense, scores,
                            written.budgets().get(0), written.results().get(0), job.status().results(),
                            job.scoringStats());
                    hooks.forEach(h -> h.afterBudgetAdded(added));
                    return written.budgets().get(0).mask();
                }
            });
        }
    }

    private Job job(String jobId) {
        Job job = registry.get(jobId);
        if (job == null) {
            throw new JobNotFoundException("no job " + jobId);
        }
        return job;
    }

    private static BudgetResult find(JobStatus status, double budget) {
        String label = JobOutputs.budgetLabel(budget);
        return status.results().stream().filter(r -> JobOutputs.budgetLabel(r.budget()).equals(label)).findFirst()
                .orElse(null);
    }

    private static String labels(JobStatus status) {
        return status.results().isEmpty() ? "none yet"
                : String.join(", ", status.results().stream().map(r -> JobOutputs.budgetLabel(r.budget())).toList());
    }
}
