package dev.optinfleet.coordinator.config;

import dev.optinfleet.core.scoring.ScoringPlan;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The coordinator's own settings, prefix {@code optin.coordinator}. Checked together at start-up by
 * {@link CoordinatorSettings}.
 */
@ConfigMapping(prefix = "optin.coordinator")
public interface CoordinatorConfig {

    /** Name recorded in dead letters; default the host name (the pod name on Kubernetes). */
    Optional<String> id();

    /** Local directory for cached checkpoints and shards and for outputs before they are uploaded. */
    @WithDefault("${java.io.tmpdir}/optin-coordinator")
    Path workDir();

    /** Bound on the cached input files (unpinned); a checkpoint plus its shards must fit. */
    @WithDefault("8G")
    MemorySize cacheMaxSize();

    /** Neurons per exact scoring task when the request does not say; by default core's one default. */
    @WithDefault("" + ScoringPlan.DEFAULT_NEURONS_PER_TASK)
    int neuronsPerTask();

    /** Samples per fisher task when the request does not say; by default core's one default. */
    @WithDefault("" + ScoringPlan.DEFAULT_SAMPLES_PER_TASK)
    int samplesPerTask();

    /** Where outputs go when the request does not say: {@code <prefix>/<name>/<job id>/...}. */
    @WithDefault("s3://optin/pruned")
    String outputPrefix();

    /** Least time between two progress updates of one job on the status topic; state changes always go out. */
    @WithDefault("1s")
    Duration progressInterval();

    /** How long to wait for Kafka to acknowledge what the coordinator publishes. */
    @WithDefault("2m")
    Duration publishTimeout();

    /** Threads that plan jobs and write their outputs (downloads, tokenising, solving, slicing). */
    @WithDefault("2")
    int jobThreads();

    /**
     * Whether a budget asked for after the job (POST /jobs/{id}/budgets) also gets its pruned checkpoint; slicing
     * needs the dense checkpoint in memory, which is cheap for small models and may not be for large ones.
     */
    @WithDefault("true")
    boolean newBudgetCheckpoints();

    /** How long start-up may spend reading the job-status and task-scores topics before it gives up. */
    @WithDefault("5m")
    Duration recoveryTimeout();
}
