package dev.optinfleet.coordinator.config;

import dev.optinfleet.core.scoring.ScoringPlan;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /**
     * When a task that has neither a result nor progress counts as lost and is published again (issue 16): its
     * deadline is {@code factor} times its expected time (its units at the slowest rate this job's results showed),
     * never less than {@code floor}.
     */
    TaskDeadline taskDeadline();

    /** The deadline of a scoring task. */
    interface TaskDeadline {
        /** Least time a task may go without result or progress; also the deadline before any result came in. */
        @WithDefault("10m")
        Duration floor();

        /** Multiple of the task's expected time (from the job's results so far) it may take. */
        @WithDefault("3")
        double factor();

        /** Times a task is published again for a missed deadline before its job fails naming it. */
        @WithDefault("3")
        int maxRepublish();

        /** How often the coordinator looks for overdue tasks. */
        @WithDefault("30s")
        Duration checkInterval();
    }

    /**
     * Deliveries of one task that may fail with a retryable error ({@link #retryableErrors()}, e.g. the engine
     * running out of native memory) before its job fails naming the task and the cause; each failure is published
     * again, keyed so that it usually lands on another partition and so another worker.
     */
    @WithDefault("3")
    int taskAttempts();

    /** Exception classes in a worker's dead letter that mean "try another delivery", not "the task is bad". */
    @WithDefault("ai.djl.engine.EngineException,java.lang.OutOfMemoryError")
    List<String> retryableErrors();

    /** The lease that lets exactly one coordinator be active (issue 16). */
    Lease lease();

    /** A single-partition consumer group used as the coordinators' lease. */
    interface Lease {
        /** Off only for tools that read the topics without being the coordinator. */
        @WithDefault("true")
        boolean enabled();

        /** How soon the standby takes over after the active coordinator stops heart-beating. */
        @WithDefault("10s")
        Duration sessionTimeout();
    }
}
