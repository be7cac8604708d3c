package dev.optinfleet.coordinator.jobs;

import dev.optinfleet.coordinator.planning.JobInputs;
import dev.optinfleet.coordinator.planning.JobPlan;
import dev.optinfleet.coordinator.planning.PlannedTask;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.TermTable;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.schemas.task.UnitTermsMessage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One job's state in this coordinator: what its latest {@link JobStatus} says, and while it runs, its plan and the
 * term table its scores merge into.
 *
 * <p>Threads: every method synchronises on the job. Whoever changes the state and publishes the resulting status
 * holds the job's monitor across both ({@link JobUpdates}), so that one job's statuses reach the compacted topic in
 * the order they were made. Scores that arrive before the job is planned (after a restart, while its inputs are
 * read again) wait in a pending map and are merged once the plan exists.
 */
public final class Job {
    private final String id;
    private final JobRequest request;
    private final long submittedAt;
    /** Serialises answering new budgets of this job (see the outputs package); never held with the monitor. */
    private final Object budgetLock = new Object();

    private JobState state;
    private long updatedAt;
    private String error;
    private int tasksTotal;
    private int tasksDone;
    private long unitsTotal;
    private long unitsScored;
    private Double outputWeight;
    private List<BudgetResult> results = List.of();
    private String scoresUri;
    private String reportUri;
    /** The inputs' versions read at planning (object URI -> ETag), kept in the status for a restart; null before. */
    private Map<String, String> inputEtags;

    private JobInputs inputs;
    private JobPlan plan;
    private TermTable table;
    private final Map<String, TaskScores> pending = new LinkedHashMap<>();
    private final Map<String, ScoringStats.Worker> workers = new LinkedHashMap<>();
    /** task id -> fraction done, for tasks running now; a task leaves when its scores are merged. */
    private final Map<String, Double> running = new LinkedHashMap<>();
    private long scoredAt;
    private boolean solvingScheduled;
    private long lastPublishedNanos;
    /** When each unfinished task was last heard of, and its retries (issue 16's deadlines and attempts). */
    private final TaskDeadlines deadlines = new TaskDeadlines();

    private Job(String id, JobRequest request, long submittedAt, JobState state) {
        this.id = Objects.requireNonNull(id, "id");
        this.request = Objects.requireNonNull(request, "request");
        this.submittedAt = submittedAt;
        this.state = Objects.requireNonNull(state, "state");
        this.updatedAt = submittedAt;
    }

    /** A job just accepted, with its completed request. */
    public static Job accepted(String id, JobRequest completedRequest, long now) {
        return new Job(id, completedRequest, now, JobState.ACCEPTED);
    }

    /** A job as its latest status on the topic describes it (recovery). */
    public static Job fromStatus(JobStatus s) {
        Job job = new Job(s.jobId(), s.request(), s.submittedAt(), s.state());
        job.updatedAt = s.updatedAt();
        job.error = s.error();
        job.tasksTotal = s.tasksTotal();
        job.tasksDone = s.tasksDone();
        job.unitsTotal = s.unitsTotal();
        job.unitsScored = s.unitsScored();
        job.outputWeight = s.outputWeight();
        job.results = s.results();
        job.scoresUri = s.scoresUri();
        job.reportUri = s.reportUri();
        job.inputEtags = s.inputEtags();
        // Counters are recounted from the stored scores once the job is planned again.
        if (!s.state().isFinal()) {
            job.tasksDone = 0;
            job.unitsScored = 0;
        }
        return job;
    }

    public String id() {
        return id;
    }

    /** The completed request (immutable). */
    public JobRequest request() {
        return request;
    }

    public long submittedAt() {
        return submittedAt;
    }

    public synchronized JobState state() {
        return state;
    }

    public synchronized JobStatus status() {
        return new JobStatus(JobStatus.SCHEMA_VERSION, id, state, request, tasksTotal, tasksDone, unitsTotal,
                unitsScored, submittedAt, updatedAt, error, outputWeight, results, scoresUri, reportUri, inputEtags);
    }

    /** The plan, or null before the job was planned (and after it finished). */
    public synchronized JobPlan plan() {
        return plan;
    }

    public synchronized JobInputs inputs() {
        return inputs;
    }

    /** The inputs' versions the job pinned when first planned (object URI -> ETag), or null before. */
    public synchronized Map<String, String> inputEtags() {
        return inputEtags;
    }

    /** The term table; read it only while holding the job's monitor. */
    public synchronized TermTable table() {
        return table;
    }

    public Object budgetLock() {
        return budgetLock;
    }

    /** The job's task deadlines and retry counts (its own monitor; no need to hold the job's). */
    public TaskDeadlines deadlines() {
        return deadlines;
    }

    /** The planned, unmerged task of this id while the job is scoring; else null. */
    public synchronized PlannedTask unfinishedTask(String taskId) {
        if (plan == null || state != JobState.SCORING || solvingScheduled) {
            return null;
        }
        PlannedTask task = plan.task(taskId);
        return task == null || table.contains(task.task()) ? null : task;
    }

    /** Outcome of offering one task's scores to the job. */
    public enum Merge {
        /** Counted: the first result of a planned task. */
        MERGED,
        /** The task's result was counted before; this one is ignored. */
        DUPLICATE,
        /** Kept until the job is planned (recovery). */
        PENDING,
        /** The job is solving, done or failed: scores no longer matter. */
        FINISHED,
        /** No task of this job's plan has that id. */
        UNKNOWN_TASK
    }

    /**
     * Offers a task's scores: counted once per task however often they arrive.
     *
     * @throws IllegalArgumentException when the terms do not fit the model (layer or unit outside it)
     */
    public synchronized Merge merge(TaskScores scores) {
        if (state.isFinal()) {
            return Merge.FINISHED;
        }
        if (plan == null) {
            pending.putIfAbsent(scores.taskId(), scores);
            return Merge.PENDING;
        }
        if (state == JobState.SOLVING) {
            return Merge.FINISHED;
        }
        return add(scores);
    }

    /** Keeps a result read back from the scores topic (recovery) until the job is planned again. */
    public synchronized void restore(TaskScores scores) {
        pending.putIfAbsent(scores.taskId(), scores);
    }

    /**
     * Installs the plan and merges the scores that waited for it.
     *
     * @return the ids of waiting scores that name no task of the plan (ignored)
     */
    public synchronized List<String> planned(JobInputs jobInputs, JobPlan jobPlan) {
        this.inputs = jobInputs;
        if (inputEtags == null && !jobInputs.etags().isEmpty()) {
            this.inputEtags = jobInputs.etags();
        }
        this.plan = jobPlan;
        this.table = new TermTable(jobInputs.config());
        this.tasksTotal = jobPlan.size();
        this.unitsTotal = jobPlan.totalUnits();
        this.tasksDone = 0;
        this.unitsScored = 0;
        this.workers.clear();
        List<String> unknown = new ArrayList<>();
        for (TaskScores s : pending.values()) {
            try {
                if (add(s) == Merge.UNKNOWN_TASK) {
                    unknown.add(s.taskId());
                }
            } catch (IllegalArgumentException e) {
                unknown.add(s.taskId() + " (" + e.getMessage() + ")");
            }
        }
        pending.clear();
        return unknown;
    }

    /** Who scored the job so far and how fast. */
    public synchronized ScoringStats scoringStats() {
        long end = scoredAt > 0 ? scoredAt : System.currentTimeMillis();
        return new ScoringStats(Math.max(0, end - submittedAt), tasksDone, unitsScored,
                List.copyOf(workers.values()));
    }

    /** Planned tasks whose scores have not arrived, in plan order. */
    public synchronized List<PlannedTask> missingTasks() {
        if (plan == null) {
            throw new IllegalStateException("job " + id + " is not planned");
        }
        return plan.tasks().stream().filter(t -> !table.contains(t.task())).toList();
    }

    /** Whether the scores of the planned task {@code taskId} were merged (false before the job is planned). */
    public synchronized boolean hasMerged(String taskId) {
        return plan != null && plan.tasks().stream().anyMatch(t -> t.id().equals(taskId) && table.contains(t.task()));
    }

    /** Whether every planned task's scores arrived. */
    public synchronized boolean isScored() {
        return plan != null && tasksDone == tasksTotal;
    }

    /**
     * Marks the job as handed to the finisher; true only the first time, so that a job is solved once however many
     * threads notice it is complete.
     */
    synchronized boolean markSolvingScheduled() {
        if (solvingScheduled || state.isFinal()) {
            return false;
        }
        solvingScheduled = true;
        return true;
    }

    synchronized boolean isSolvingScheduled() {
        return solvingScheduled;
    }

    synchronized void setState(JobState newState, long now) {
        this.state = newState;
        this.updatedAt = now;
    }

    synchronized void failed(String reason, long now) {
        this.error = reason;
        setState(JobState.FAILED, now);
        releaseWorkingState();
    }

    synchronized void done(Double weight, List<BudgetResult> budgetResults, String scores, String report, long now) {
        this.outputWeight = weight;
        this.results = List.copyOf(budgetResults);
        this.scoresUri = scores;
        this.reportUri = report;
        setState(JobState.DONE, now);
        releaseWorkingState();
    }

    /** Adds or replaces the result of one budget (a budget asked for after the job was done). */
    synchronized void putResult(BudgetResult result, long now) {
        List<BudgetResult> next = new ArrayList<>();
        String label = JobOutputs.budgetLabel(result.budget());
        for (BudgetResult r : results) {
            if (!JobOutputs.budgetLabel(r.budget()).equals(label)) {
                next.add(r);
            }
        }
        next.add(result);
        this.results = List.copyOf(next);
        this.updatedAt = now;
    }

    /** Whether a progress update may go out now: at most one per interval. */
    synchronized boolean progressDue(long nowNanos, long intervalNanos) {
        return nowNanos - lastPublishedNanos >= intervalNanos;
    }

    synchronized void published(long nowNanos) {
        this.lastPublishedNanos = nowNanos;
    }

    /** A worker's progress inside a planned, unmerged task; anything else is ignored. */
    public synchronized void progressed(String taskId, double fraction) {
        if (plan != null && plan.task(taskId) != null && state == JobState.SCORING
                && !table.contains(plan.task(taskId).task())) {
            running.put(taskId, Math.max(0, Math.min(1, fraction)));
        }
    }

    /** Finished tasks plus the running ones' fractions: what a progress display shows, 0..tasksTotal. */
    public synchronized double tasksProgress() {
        return tasksDone + running.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    synchronized void touched(long now) {
        this.updatedAt = now;
    }

    private Merge add(TaskScores scores) {
        PlannedTask task = plan.task(scores.taskId());
        if (task == null) {
            return Merge.UNKNOWN_TASK;
        }
        List<UnitTerms> terms = new ArrayList<>(scores.terms().size());
        for (UnitTermsMessage m : scores.terms()) {
            terms.add(JobOutputs.fromMessage(m));
        }
        if (!table.add(task.task(), terms)) {
            return Merge.DUPLICATE;
        }
        tasksDone++;
        running.remove(scores.taskId());
        deadlines.merged(scores.taskId(), task.units(), scores.elapsedMs());
        unitsScored += task.units();
        workers.merge(scores.workerId(), new ScoringStats.Worker(scores.workerId(), 1, task.units(),
                scores.elapsedMs(), scores.engine()), (a, b) -> new ScoringStats.Worker(a.workerId(), a.tasks() + 1,
                a.units() + b.units(), a.elapsedMs() + b.elapsedMs(), b.engine()));
        if (tasksDone == tasksTotal) {
            scoredAt = System.currentTimeMillis();
        }
        return Merge.MERGED;
    }

    /**
     * A finished job keeps its status and its inputs' summary (a config and an int per text: its cost stays in
     * {@code GET /jobs/{id}}); the plan and the terms (megabytes) are no longer needed.
     */
    private void releaseWorkingState() {
        plan = null;
        table = null;
        pending.clear();
        deadlines.clear();
    }
}
