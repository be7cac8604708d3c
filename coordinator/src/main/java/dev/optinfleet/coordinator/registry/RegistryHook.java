package dev.optinfleet.coordinator.registry;

import dev.optinfleet.coordinator.outputs.AddedBudget;
import dev.optinfleet.coordinator.outputs.BudgetAddedHook;
import dev.optinfleet.coordinator.outputs.FinishedJob;
import dev.optinfleet.coordinator.outputs.JobCompletionHook;
import dev.optinfleet.core.checkpoint.onnx.OnnxExporter;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.registry.ModelVersion;
import dev.optinfleet.registry.ModelVersionDraft;
import dev.optinfleet.registry.ParentModel;
import dev.optinfleet.registry.RegistryException;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageException;
import dev.optinfleet.storage.StorageRetry;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Registers each budget's pruned checkpoint of a finished job as a version of the job's name
 * ({@link ModelVersionDraft#fromMask}), with its lineage: the parent model (its URI, the ETag of its weights, and its
 * registered name and version when the job pruned a registered version), the job id, the budget, FLOPs, scoring
 * settings and accuracy when measured; the version lists the checkpoint, its mask.json and its model.onnx. Budgets without a pruned checkpoint (mask-only new budgets) are not registered.
 *
 * <p>Registration is idempotent per name, job and budget, so a job solved again registers nothing new. A failure of
 * the registry of our own fails the job (its outputs stay written; the message names the version); MLflow failures
 * are only logged ({@link ModelRegistries#register}). Runs after the report.
 */
@Singleton
public class RegistryHook implements JobCompletionHook, BudgetAddedHook {
    public static final int ORDER = 200;
    private static final Logger LOG = Logger.getLogger(RegistryHook.class);

    private final ModelRegistries registries;
    private final ObjectStore store;
    private final StorageRetry retry;

    public RegistryHook(ModelRegistries registries, ObjectStore store, StorageRetry retry) {
        this.retry = retry;
        this.registries = registries;
        this.store = store;
    }

    @Override
    public int order() {
        return ORDER;
    }

    @Override
    public Contribution afterOutputs(FinishedJob job) {
        List<BudgetResult> results = job.outputs().results();
        List<BudgetOutput> outputs = job.outputs().budgets();
        if (results.size() != outputs.size()) {
            throw new IllegalStateException("job " + job.jobId() + " has " + outputs.size() + " budget outputs but "
                    + results.size() + " results");
        }
        ParentModel parent = parent(job.request());
        List<String> registered = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ModelVersion v = register(job.jobId(), job.request(), parent, outputs.get(i), results.get(i));
            if (v != null) {
                registered.add(v.key());
            }
        }
        LOG.infof("job %s registered %s", job.jobId(), registered);
        return Contribution.NONE;
    }

    @Override
    public void afterBudgetAdded(AddedBudget added) {
        try {
            ModelVersion v = register(added.jobId(), added.request(), parent(added.request()), added.output(),
                    added.result());
            if (v != null) {
                LOG.infof("budget %s of job %s registered as %s", added.result().budget(), added.jobId(), v.key());
            }
        } catch (RegistryException | IllegalArgumentException e) {
            LOG.warnf("budget %s of job %s is written but not registered: %s", added.result().budget(),
                    added.jobId(), e.getMessage());
        }
    }

    private ModelVersion register(String jobId, JobRequest request, ParentModel parent, BudgetOutput output,
                                  BudgetResult result) {
        if (result.checkpointUri() == null) {
            return null;
        }
        // model.onnx is written beside the checkpoint's config.json (JobOutputs.writeBudgets).
        S3Uri config = S3Uri.parse(result.checkpointUri());
        String folder = config.key().substring(0, config.key().length() - config.fileName().length());
        String onnx = S3Uri.of(config.bucket(), folder + OnnxExporter.FILE).toString();
        ModelVersionDraft draft = ModelVersionDraft.fromMask(request.name(), parent, jobId, request.submittedBy(),
                output.mask(), result.checkpointUri(), result.maskUri(), onnx, result.accuracy());
        try {
            return registries.register(draft);
        } catch (RegistryException e) {
            throw new IllegalStateException("registering budget " + result.budget() + " of job " + jobId + " as a"
                    + " version of " + request.name() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The model the job pruned: its URI, the current ETag of its weights object, and its registered name and version
     * when it is itself a registered pruned checkpoint.
     */
    ParentModel parent(JobRequest request) {
        S3Uri model = S3Uri.parse(request.modelUri());
        Map<String, S3Uri> objects = ModelObjects.objects(model);
        S3Uri weights = objects.containsKey(ModelObjects.WEIGHTS_FILE) ? objects.get(ModelObjects.WEIGHTS_FILE)
                : objects.get(ModelObjects.ONNX_FILE);
        String etag;
        try {
            etag = retry.call("stat " + weights, () -> store.stat(weights)).etag();
        } catch (StorageException e) {
            LOG.warnf("parent of %s: ETag of %s unknown: %s", request.name(), weights, e.getMessage());
            etag = null;
        }
        if (etag != null && etag.isBlank()) {
            etag = null;
        }
        for (ModelVersion v : registries.registry().list()) {
            if (v.checkpointUri().equals(request.modelUri())) {
                return new ParentModel(request.modelUri(), v.name(), v.version(), etag);
            }
        }
        return ParentModel.checkpoint(request.modelUri(), etag);
    }
}
