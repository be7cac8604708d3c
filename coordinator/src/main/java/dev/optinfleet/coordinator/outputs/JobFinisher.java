package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.JobExecutor;
import dev.optinfleet.coordinator.jobs.JobScored;
import dev.optinfleet.coordinator.jobs.JobUpdates;
import dev.optinfleet.coordinator.jobs.ScoringStats;
import dev.optinfleet.coordinator.planning.InputPreparer;
import dev.optinfleet.coordinator.planning.JobInputs;
import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.scores.ScoresDocument;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.List;

/**
 * The end of a job whose every task is scored: SOLVING, then on a job thread the scores document (core's
 * {@link JobOutputs#scores}), every budget solved, scores.json, the masks and the pruned checkpoints written and
 * uploaded ({@link OutputWriter}), the {@link JobCompletionHook}s run, and DONE with the results. Any failure fails
 * the job with its message. Solving again (after a restart) writes the same objects.
 */
@Singleton
public class JobFinisher {
    private static final Logger LOG = Logger.getLogger(JobFinisher.class);

    private final JobUpdates updates;
    private final JobExecutor executor;
    private final InputPreparer preparer;
    private final OutputWriter writer;
    private final List<JobCompletionHook> hooks;

    public JobFinisher(JobUpdates updates, JobExecutor executor, InputPreparer preparer, OutputWriter writer,
                       @Any Instance<JobCompletionHook> hooks) {
        this.updates = updates;
        this.executor = executor;
        this.preparer = preparer;
        this.writer = writer;
        this.hooks = hooks.stream().sorted(Comparator.comparingInt(JobCompletionHook::order)).toList();
    }

    void onScored(@Observes JobScored event) {
        finishIfScored(event.job());
    }

    /** Starts solving the job if it is completely scored and nobody started yet; returns at once. */
    public void finishIfScored(Job job) {
        if (job.isScored() && updates.beginSolving(job)) {
            executor.submit("solving job " + job.id(), () -> finish(job));
        }
    }

    private void finish(Job job) {
        long started = System.nanoTime();
        try {
            JobRequest request = job.request();
            JobInputs inputs = job.inputs();
            if (inputs == null) {
                return; // failed meanwhile
            }
            // The versions the tasks scored, or a failure naming the object that changed since planning.
            preparer.withCalibration(job.id(), request, inputs.etags(), (dense, tokenizer, calibration) -> {
                FlopModel flops = FlopModel.fromLengths(dense.config(), inputs.sampleLengths(), dense.hasPooler());
                ScoresDocument scores;
                ScoringStats stats;
                synchronized (job) {
                    if (job.table() == null) {
                        return null; // failed meanwhile
                    }
                    scores = JobOutputs.scores(dense, ScoringSpecs.toSettings(request.scoring()), job.table(),
                            inputs.sampleLengths(), flops);
                    stats = job.scoringStats();
                }
                try (WrittenOutputs written = writer.write(job.id(), request, dense, tokenizer, scores, flops,
                        request.budgets(), true, OutputWriter.repairing(request, calibration))) {
                    String reportUri = runHooks(new FinishedJob(job.id(), request, dense, scores, flops, written, stats));
                    updates.done(job, scores.outputWeight(), written.results(),
                            OutputLocation.scores(request, job.id()).toString(), reportUri);
                }
                return null;
            });
            LOG.infof("job %s done in %d ms after scoring", job.id(), (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException | OutOfMemoryError e) {
            updates.fail(job, "solving and writing the outputs failed: " + message(e));
        }
    }

    private String runHooks(FinishedJob finished) {
        String reportUri = null;
        for (JobCompletionHook hook : hooks) {
            JobCompletionHook.Contribution c = hook.afterOutputs(finished);
            if (c != null && c.reportUri() != null) {
                reportUri = c.reportUri();
            }
        }
        return reportUri;
    }

    static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }
}
