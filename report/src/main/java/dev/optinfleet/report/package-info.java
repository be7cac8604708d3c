/**
 * A pruning job's report: one self-contained {@code report.html} (tables, and XChart plots inlined as PNG data URIs;
 * no network, no scripts) built from what the job produced.
 *
 * <p>Use: {@code ReportWriter.write(ReportData.from(scores, checkpoint, masks, timings, evaluation), outDir)}.
 * {@link dev.optinfleet.report.ReportData} holds the numbers, {@link dev.optinfleet.report.SolutionPath} the masks of
 * one score set over a grid of budgets, {@link dev.optinfleet.report.ReportCharts} draws,
 * {@link dev.optinfleet.report.ReportRenderer} writes the HTML and {@link dev.optinfleet.report.ReportWriter} the file.
 */
package dev.optinfleet.report;
