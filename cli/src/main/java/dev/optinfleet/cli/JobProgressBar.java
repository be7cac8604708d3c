package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A fleet job's progress on the terminal, from {@code GET /jobs/{id}}: tasks done plus the fractions the workers
 * report of their running tasks ({@code tasks_progress}), in hundredths, so the bar moves within long tasks.
 */
final class JobProgressBar implements AutoCloseable {
    private static final int STEPS = 100;
    private final ProgressBar bar;

    JobProgressBar(String jobId) {
        this.bar = new ProgressBarBuilder().setTaskName("job " + jobId).setInitialMax(STEPS)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" tasks", STEPS).continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    void update(JsonNode status) {
        bar.maxHint(Math.max(1, status.path("tasks_total").asLong()) * STEPS);
        double progress = Math.max(status.path("tasks_done").asDouble(), status.path("tasks_progress").asDouble());
        bar.stepTo(Math.round(progress * STEPS));
        bar.setExtraMessage(status.path("state").asText());
    }

    @Override
    public void close() {
        bar.close();
    }
}
