package dev.optinfleet.coordinator.outputs;

/**
 * The seam for work at the end of a job that is not the job's own outputs: the report writer (report.html next to
 * the masks) and the model-registry registration plug in here. Implement it as a CDI bean
 * ({@code @Singleton class ReportWriter implements JobCompletionHook}); {@link JobFinisher} calls every such bean,
 * in order of {@link #order()}, after the outputs are uploaded and before the job is published as done.
 *
 * <p>A hook that throws fails the job with its message (the outputs already written stay); a hook whose failure
 * must not fail the job catches and logs it. Hooks run on a job thread and may block (upload, HTTP). They must be
 * idempotent: a job interrupted by a restart while solving is solved again, hooks included.
 */
public interface JobCompletionHook {

    /** Lower runs first; the report (which a registry entry may link to) should come before the registration. */
    default int order() {
        return 0;
    }

    /**
     * Does the hook's work for a finished job.
     *
     * @return what it adds to the job's status; {@link Contribution#NONE} for nothing
     */
    Contribution afterOutputs(FinishedJob job);

    /**
     * Fields of the final status a hook fills in.
     *
     * @param reportUri the report.html the hook wrote, or null
     */
    record Contribution(String reportUri) {
        public static final Contribution NONE = new Contribution(null);
    }
}
