package dev.optinfleet.coordinator.report;

import dev.optinfleet.coordinator.outputs.AddedBudget;
import dev.optinfleet.coordinator.outputs.BudgetAddedHook;
import dev.optinfleet.coordinator.outputs.FinishedJob;
import dev.optinfleet.coordinator.outputs.JobCompletionHook;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.awt.AWTError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes every finished job's report.html next to its scores.json ({@link JobReports}) and sets the job's
 * {@code report_uri}. Runs before the registry hook, so a registered version's job already has its report. A budget
 * added later ({@code POST /jobs/{id}/budgets}) redraws the report at the same URI with every budget's mask, read
 * back from storage (milliseconds of drawing; no timings when the job was recovered after a restart).
 *
 * <p>A report that cannot be drawn (no font on the host, say) does not fail the job, whose outputs are written: it is
 * logged and the job is done without {@code report_uri}; {@code optin report --scores ...} can draw it later.
 */
@Singleton
public class ReportHook implements JobCompletionHook, BudgetAddedHook {
    public static final int ORDER = 100;
    private static final Logger LOG = Logger.getLogger(ReportHook.class);

    private final JobReports reports;
    private final ObjectStore store;
    private final StorageRetry retry;

    public ReportHook(JobReports reports, ObjectStore store, StorageRetry retry) {
        this.retry = retry;
        this.reports = reports;
        this.store = store;
    }

    @Override
    public int order() {
        return ORDER;
    }

    @Override
    public Contribution afterOutputs(FinishedJob job) {
        try {
            S3Uri uri = reports.publish(job.jobId(), job.request(), job.dense(), job.scores(),
                    job.outputs().budgets().stream().map(BudgetOutput::mask).toList(), job.stats(), null,
                    job.outputs().budgets());
            LOG.infof("report of job %s at %s", job.jobId(), uri);
            return new Contribution(uri.toString());
        } catch (RuntimeException | LinkageError | AWTError e) {
            LOG.errorf(e, "job %s: report.html not written (the job's outputs are): %s", job.jobId(),
                    e.getMessage());
            return Contribution.NONE;
        }
    }

    @Override
    public void afterBudgetAdded(AddedBudget added) {
        try {
            String label = JobOutputs.budgetLabel(added.result().budget());
            List<MaskDocument> masks = new ArrayList<>();
            masks.add(added.output().mask());
            for (BudgetResult r : added.results()) {
                if (!JobOutputs.budgetLabel(r.budget()).equals(label)) {
                    S3Uri uri = S3Uri.parse(r.maskUri());
                    masks.add(MaskJson.read(new String(retry.call("read " + uri, () -> store.getBytes(uri)),
                            StandardCharsets.UTF_8)));
                }
            }
            S3Uri uri = reports.publish(added.jobId(), added.request(), added.dense(), added.scores(), masks,
                    added.stats(), null, List.of(added.output()));
            LOG.infof("report of job %s redrawn with budget %s at %s", added.jobId(), label, uri);
        } catch (RuntimeException | LinkageError | AWTError e) {
            LOG.errorf(e, "job %s: report.html not redrawn with budget %s: %s", added.jobId(),
                    added.result().budget(), e.getMessage());
        }
    }
}
