package dev.optinfleet.worker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The worker's own settings, prefix {@code optin.worker}. Checked together at start-up by {@link WorkerSettings}.
 */
@ConfigMapping(prefix = "optin.worker")
public interface WorkerConfig {

    /** Name recorded in scores and dead letters; default the host name (the pod name on Kubernetes). */
    Optional<String> id();

    /** Local directory for cached checkpoints and shards; survives restarts when it is a volume. */
    @WithDefault("${java.io.tmpdir}/optin-worker")
    Path cacheDir();

    /** Bound on the cached files (unpinned); a checkpoint plus a few shards must fit. */
    @WithDefault("8G")
    MemorySize cacheMaxSize();

    /** DJL engine name ("PyTorch", "TensorFlow"); empty for DJL's default. */
    Optional<String> engine();

    /**
     * Resident memory the worker's scoring may use (e.g. 4g); absent: 90% of the container's cgroup limit or of
     * physical memory. Passes are sized to fit; results do not depend on it.
     */
    Optional<String> memory();

    /** auto (a GPU when the engine's natives can use one, else the CPU), cpu or cuda. */
    @WithDefault("auto")
    String device();

    /** How long to wait for Kafka to acknowledge a published result before giving the message back. */
    @WithDefault("2m")
    Duration publishTimeout();

    /**
     * Engine failures ({@code EngineException}) in a row after which the worker takes its engine for broken and
     * stops its task channel (liveness down, the pod restarts); fewer are dead-lettered for the coordinator to retry
     * elsewhere.
     */
    @WithDefault("3")
    int engineFailuresBeforeRestart();

    /**
     * Times in a row this worker may start one task and stop (killed, crashed) before finishing it; the next
     * delivery of that task is dead-lettered instead of scored ({@code InFlightTask}).
     */
    @WithDefault("3")
    int taskDeliveries();

    /**
     * BENCHMARK MODE, off by default: tasks wait for the cost model's time and publish made-up scores of the real
     * shape ({@code SimulatedCompute}); for the fan-out benchmark only.
     */
    @WithDefault("false")
    boolean simulateCompute();

    /** The worker kind whose cost-model time a simulated task waits ({@code WorkerKind.bundled()} names). */
    @WithDefault("cpu-2core")
    String simulateKind();
}
