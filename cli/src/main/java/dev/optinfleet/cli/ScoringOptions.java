package dev.optinfleet.cli;

import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import picocli.CommandLine.Option;

/** Scorer choice and its settings, shared by the commands that score. */
final class ScoringOptions {
    @Option(names = "--scorer", defaultValue = ScorerKind.DEFAULT_NAME,
            description = "fisher_trajectory (default: tied first on the quality benchmark's validation"
                    + " split; fisher plus a gradient estimate of the paper's feature drift), fisher (output term"
                    + " only, 2.6x cheaper), output (exact leave-one-out KL) or trajectory (the paper's score,"
                    + " exact).")
    String scorer;

    @Option(names = "--lambda", description = "trajectory, fisher_trajectory: output term weighted to about"
            + " 1/lambda of the feature term (default 10 and 0.3).")
    Double lambda;

    @Option(names = "--max-samples", description = "samples used per calibration shard (default 128).")
    Integer maxSamples;

    @Option(names = "--seed", description = "seed of token-row sampling and Fisher probes (default 0).")
    Long seed;

    // No picocli default: unset, the fleet applies its own configured default (optin.coordinator.*-per-task), whose
    // default is the same ScoringPlan constant that the in-process run uses.
    @Option(names = "--neurons-per-task", paramLabel = "N",
            description = "exact scorers: neurons per task (how work is split; results do not change; default "
                    + ScoringPlan.DEFAULT_NEURONS_PER_TASK + ", in a fleet the coordinator's setting).")
    Integer neuronsPerTask;

    @Option(names = "--samples-per-task", paramLabel = "N",
            description = "fisher, fisher_trajectory: samples per task (how work is split; default "
                    + ScoringPlan.DEFAULT_SAMPLES_PER_TASK + ", in a fleet the coordinator's setting).")
    Integer samplesPerTask;

    @Option(names = "--max-length", paramLabel = "N",
            description = "cut calibration texts to N tokens, special tokens included (default: the model's maximum"
                    + " positions); a warning says how many were cut.")
    Integer maxLength;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "resident memory scoring may use, e.g. 4g (default: 90% of the container's memory limit or"
                    + " of physical memory); passes are sized to fit, results do not change. In-process only: fleet"
                    + " workers take optin.worker.memory.")
    String memory;

    /** --neurons-per-task for an in-process run: the option, else {@link ScoringPlan#DEFAULT_NEURONS_PER_TASK}. */
    int neuronsPerTaskOrDefault() {
        return neuronsPerTask != null ? neuronsPerTask : ScoringPlan.DEFAULT_NEURONS_PER_TASK;
    }

    /** --samples-per-task for an in-process run: the option, else {@link ScoringPlan#DEFAULT_SAMPLES_PER_TASK}. */
    int samplesPerTaskOrDefault() {
        return samplesPerTask != null ? samplesPerTask : ScoringPlan.DEFAULT_SAMPLES_PER_TASK;
    }

    /** The --max-length for the wire, checked; null when not given. */
    Integer maxLengthOrNull() {
        return maxLength == null ? null : settings().maxLength();
    }

    MemoryBudget memory() {
        return MemoryBudget.orDetect(memory, "--memory");
    }

    ScoringSettings settings() {
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.fromWireName(scorer));
        if (lambda != null) {
            s = s.withLambda(lambda);
        }
        if (maxSamples != null) {
            s = s.withMaxSamples(maxSamples);
        }
        if (seed != null) {
            s = s.withSeed(seed);
        }
        if (maxLength != null) {
            if (maxLength < 2) {
                throw new IllegalArgumentException("--max-length must be >= 2 tokens (room for [CLS] and [SEP]), was "
                        + maxLength);
            }
            s = s.withMaxLength(maxLength);
        }
        return s;
    }
}
