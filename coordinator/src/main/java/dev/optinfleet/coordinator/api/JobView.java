package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.jobs.ScoringStats;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.schemas.status.JobState;
import dev.optinfleet.schemas.status.JobStatus;

import java.util.List;

/**
 * A job as {@code GET /jobs/{id}} shows it (snake_case JSON; absent values are null, not missing): its status plus
 * times for a progress display.
 *
 * @param jobId          the job
 * @param name           the name its outputs go under
 * @param state          accepted, scoring, solving, done or failed
 * @param tasksDone      distinct tasks whose scores arrived
 * @param tasksTotal     planned tasks (0 until planned)
 * @param tasksProgress  tasks done plus the fractions workers reported of the running ones (at most once a second
 *                       each), for a bar that moves within long tasks
 * @param unitsScored    unit evaluations done
 * @param unitsTotal     unit evaluations planned
 * @param submittedAt    epoch milliseconds
 * @param updatedAt      epoch milliseconds of the last change
 * @param elapsedSeconds since submission (until the end, for a finished job)
 * @param etaSeconds     estimated seconds to the end of scoring from the rate so far; null when unknown
 * @param error          why it failed, naming the object, task or field; null unless failed
 * @param outputWeight   w used to combine the terms, once solved
 * @param results        per budget, once done
 * @param scoresUri      scores.json, once done; its folder holds every output
 * @param reportUri      report.html, once done and when a report writer is installed
 * @param request        the request with every default filled in
 * @param scoring        who scored the job and for how long: time from submission to the last merged result, and
 *                       per worker its tasks, units and reported scoring time; null until a result is merged (and
 *                       for a job this coordinator knows only from its final status)
 * @param cost           the cost model's estimate (see {@link CostView}), once the job is planned; null before and
 *                       for a job this coordinator knows only from its final status
 */
public record JobView(String jobId, String name, JobState state, int tasksDone, int tasksTotal,
                      double tasksProgress, long unitsScored,
                      long unitsTotal, long submittedAt, long updatedAt, double elapsedSeconds, Double etaSeconds,
                      String error, Double outputWeight, List<BudgetResult> results, String scoresUri,
                      String reportUri, JobRequest request, ScoringStats scoring, CostView cost) {

    public static JobView of(Job job, long now) {
        ScoringStats stats = job.scoringStats();
        JobView v = of(job.status(), stats.tasks() == 0 ? null : stats, now, job.tasksProgress());
        return v.withCost(CostView.of(job));
    }

    JobView withCost(CostView c) {
        return new JobView(jobId, name, state, tasksDone, tasksTotal, tasksProgress, unitsScored, unitsTotal,
                submittedAt, updatedAt, elapsedSeconds, etaSeconds, error, outputWeight, results, scoresUri, reportUri,
                request, scoring, c);
    }

    static JobView of(JobStatus s, ScoringStats scoring, long now) {
        return of(s, scoring, now, s.tasksDone());
    }

    static JobView of(JobStatus s, ScoringStats scoring, long now, double progress) {
        long end = s.state().isFinal() ? s.updatedAt() : now;
        double elapsed = Math.max(0, end - s.submittedAt()) / 1000.0;
        Double eta = null;
        if (s.state() == JobState.DONE) {
            eta = 0.0;
        } else if (s.state() == JobState.SCORING && progress > 0) {
            eta = elapsed / progress * (s.tasksTotal() - progress);
        }
        return new JobView(s.jobId(), s.request().name(), s.state(), s.tasksDone(), s.tasksTotal(),
                Math.max(progress, s.tasksDone()), s.unitsScored(),
                s.unitsTotal(), s.submittedAt(), s.updatedAt(), elapsed, eta, s.error(), s.outputWeight(),
                s.results(), s.scoresUri(), s.reportUri(), s.request(), scoring, null);
    }
}
