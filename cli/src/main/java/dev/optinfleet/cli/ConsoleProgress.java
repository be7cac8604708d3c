package dev.optinfleet.cli;

import dev.optinfleet.core.pipeline.ScoringProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/** A terminal progress bar over unit evaluations; quiet with {@code --json}. */
final class ConsoleProgress implements ScoringProgress, AutoCloseable {
    private final PrintStream err;
    private final boolean quiet;
    private ProgressBar bar;

    ConsoleProgress(PrintStream err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public void planned(int tasks, long unitEvaluations) {
        if (!quiet) {
            bar = new ProgressBarBuilder().setTaskName("scoring").setInitialMax(unitEvaluations)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" units", 1).showSpeed().continuousUpdate()
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err)).build();
        }
    }

    @Override
    public void advanced(long unitEvaluations) {
        taskDone(unitEvaluations);
    }

    @Override
    public void taskDone(long unitEvaluations) {
        if (bar != null) {
            bar.stepBy(unitEvaluations);
        }
    }

    @Override
    public void message(String text) {
        err.println(text);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
