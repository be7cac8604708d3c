package dev.optinfleet.coordinator.report;

import dev.optinfleet.coordinator.jobs.ScoringStats;
import dev.optinfleet.coordinator.outputs.OutputLocation;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.report.Evaluation;
import dev.optinfleet.report.ReportData;
import dev.optinfleet.report.ReportWriter;
import dev.optinfleet.report.Timings;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Map;

/**
 * Renders a job's report.html (report module: {@link ReportData}, {@link ReportWriter}) and uploads it next to its
 * scores.json, at {@code <job prefix>/report.html}, where {@code optin report JOB} and a download of the job's folder
 * find it. Rendering again (a job solved again after a restart, a budget added later) overwrites the same object.
 */
@Singleton
public class JobReports {
    public static final String REPORT_FILE = ReportWriter.FILE_NAME;

    private final ObjectStore store;
    private final StorageRetry retry;

    public JobReports(ObjectStore store, StorageRetry retry) {
        this.store = store;
        this.retry = retry;
    }

    /** Where the job's report goes. */
    public static S3Uri location(JobRequest completed, String jobId) {
        return OutputLocation.object(completed, jobId, REPORT_FILE);
    }

    /**
     * Renders and uploads the report.
     *
     * @param masks      the mask.json of every budget of the job
     * @param stats      who scored it; null when no longer known (a budget added after a restart)
     * @param evaluation quality per budget; null when not measured
     * @param written    budgets whose outputs are still in their local directories (their model.onnx size is shown)
     * @return the report's URI
     * @throws IllegalArgumentException when the checkpoint, scores and masks do not belong together (naming which)
     */
    public S3Uri publish(String jobId, JobRequest request, DenseModel dense, ScoresDocument scores,
                         List<MaskDocument> masks, ScoringStats stats, Evaluation evaluation,
                         List<BudgetOutput> written) {
        // as ReportData.from(scores, checkpoint, ...) checks, from the digest alone: no weight needs to be loaded
        if (!dense.weightsSha256().equals(scores.weightsSha256())) {
            throw new IllegalArgumentException("scores.json of " + scores.modelName() + " is for weights "
                    + scores.weightsSha256() + " but the model " + dense.name() + " has weights "
                    + dense.weightsSha256());
        }
        FlopModel flops = FlopModel.of(dense.config(), scores.tokensPerSequence(), dense.hasPooler());
        ReportData data = ReportData.from(scores, flops, masks, timings(stats), evaluation).withJobId(jobId)
                .withSubmitter(request.submittedBy()).withOnnxFiles(written);
        byte[] html = ReportWriter.render(data);
        S3Uri target = location(request, jobId);
        retry.call("upload " + target, () -> store.putBytes(target, html, "text/html; charset=utf-8",
                Map.of()));
        return target;
    }

    /**
     * The report's timings from the coordinator's scoring statistics; null when there are none (a job recovered after
     * a restart knows no workers and no scoring time).
     */
    static Timings timings(ScoringStats stats) {
        if (stats == null || stats.tasks() == 0 || stats.workers().isEmpty()) {
            return null;
        }
        List<Timings.Worker> workers = stats.workers().stream()
                .map(w -> new Timings.Worker(w.workerId(), w.tasks(), w.units(), w.elapsedMs() / 1000.0))
                .toList();
        return new Timings(stats.millisToScore() / 1000.0, stats.tasks(), stats.units(), workers);
    }
}
