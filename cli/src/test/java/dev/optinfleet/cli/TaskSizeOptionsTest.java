package dev.optinfleet.cli;

import dev.optinfleet.cli.fleet.FleetJob;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** prune's task sizes reach the fleet's request as given, and both paths default to one constant each. */
class TaskSizeOptionsTest {
    private static final FleetJob.Inputs INPUTS = new FleetJob.Inputs("s3://models/m/model.onnx",
            "s3://models/m/tokenizer.json", List.of("s3://calibration/m/shard-00000.jsonl"));

    private static PruneCommand parse(String... extra) {
        PruneCommand prune = new PruneCommand();
        String[] base = {"--model", "m", "--calibration", "c.jsonl", "--budget", "0.5", "--out", "o"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        new CommandLine(prune).parseArgs(args);
        return prune;
    }

    @Test
    void givenSizesGoIntoTheFleetRequest() {
        ScoringOptions scoring = parse("--neurons-per-task", "64", "--samples-per-task", "8").scoring;

        JobRequest request = FleetJob.request("m", INPUTS, List.of(0.5), ScoringSpec.of(scoring.scorer),
                scoring.neuronsPerTask, scoring.samplesPerTask, "cli");

        assertEquals(64, request.neuronsPerTask());
        assertEquals(8, request.samplesPerTask());
        assertEquals(64, scoring.neuronsPerTaskOrDefault());
        assertEquals(8, scoring.samplesPerTaskOrDefault());
    }

    @Test
    void unsetSizesLeaveTheFleetItsDefaultAndRunInProcessWithTheSameConstants() {
        ScoringOptions scoring = parse().scoring;

        JobRequest request = FleetJob.request("m", INPUTS, List.of(0.5), ScoringSpec.of(scoring.scorer),
                scoring.neuronsPerTask, scoring.samplesPerTask, "cli");

        assertNull(request.neuronsPerTask());
        assertNull(request.samplesPerTask());
        assertEquals(ScoringPlan.DEFAULT_NEURONS_PER_TASK, scoring.neuronsPerTaskOrDefault());
        assertEquals(ScoringPlan.DEFAULT_SAMPLES_PER_TASK, scoring.samplesPerTaskOrDefault());
        assertEquals(ScorerKind.FISHER_TRAJECTORY, ScorerKind.fromWireName(scoring.scorer));
    }
}
