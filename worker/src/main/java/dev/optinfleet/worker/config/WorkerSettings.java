package dev.optinfleet.worker.config;

import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.DeviceChoice;
import dev.optinfleet.fleet.FleetSettings;
import dev.optinfleet.fleet.s3.StorageBeans;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link WorkerConfig} resolved and checked as a whole at start-up: the worker id chosen, the engine name made
 * nullable, and every rule between the keys enforced with the key, the rule and the value in the message.
 */
@Singleton
@Startup
public final class WorkerSettings implements FleetSettings {
    private final String workerId;
    private final Path cacheDir;
    private final long cacheMaxBytes;
    private final String engine;
    private final Duration publishTimeout;
    private final MemoryBudget memory;
    private final DeviceChoice device;
    private final int engineFailuresBeforeRestart;
    private final int taskDeliveries;

    public WorkerSettings(WorkerConfig config) {
        this.workerId = config.id().map(String::trim).filter(s -> !s.isEmpty()).orElseGet(WorkerSettings::hostName);
        this.cacheDir = config.cacheDir().toAbsolutePath();
        this.cacheMaxBytes = config.cacheMaxSize().asLongValue();
        if (cacheMaxBytes <= 0) {
            throw new IllegalArgumentException("optin.worker.cache-max-size must be > 0, was " + cacheMaxBytes);
        }
        this.engine = config.engine().map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        this.publishTimeout = config.publishTimeout();
        if (publishTimeout.isNegative() || publishTimeout.isZero()) {
            throw new IllegalArgumentException("optin.worker.publish-timeout must be > 0, was " + publishTimeout);
        }
        this.engineFailuresBeforeRestart = config.engineFailuresBeforeRestart();
        if (engineFailuresBeforeRestart < 1) {
            throw new IllegalArgumentException("optin.worker.engine-failures-before-restart must be >= 1, was "
                    + engineFailuresBeforeRestart);
        }
        this.taskDeliveries = config.taskDeliveries();
        if (taskDeliveries < 1) {
            throw new IllegalArgumentException("optin.worker.task-deliveries must be >= 1, was " + taskDeliveries);
        }
        this.device = DeviceChoice.parse(config.device(), "optin.worker.device");
        this.memory = MemoryBudget.orDetect(config.memory().orElse(null), "optin.worker.memory");
    }

    /** Who this worker is in scores and dead letters. */
    public String workerId() {
        return workerId;
    }

    /** The same as {@link #workerId()}: who this worker is in dead letters. */
    @Override
    public String instanceId() {
        return workerId;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** {@code <cache-dir>/objects}. */
    @Override
    public Path objectsDir() {
        return cacheDir.resolve(StorageBeans.OBJECTS_DIR);
    }

    @Override
    public long cacheMaxBytes() {
        return cacheMaxBytes;
    }

    /** The DJL engine name, or null for DJL's default. */
    public String engine() {
        return engine;
    }

    @Override
    public Duration publishTimeout() {
        return publishTimeout;
    }

    /** Where the encoder computes. */
    public DeviceChoice device() {
        return device;
    }

    /** What scoring passes are planned from. */
    public MemoryBudget memory() {
        return memory;
    }

    /** Engine failures in a row after which the task channel stops. */
    public int engineFailuresBeforeRestart() {
        return engineFailuresBeforeRestart;
    }

    /** Times in a row one task may be started and not finished here before it is dead-lettered. */
    public int taskDeliveries() {
        return taskDeliveries;
    }

    private static String hostName() {
        String fromEnv = Optional.ofNullable(System.getenv("HOSTNAME")).map(String::trim).orElse("");
        if (!fromEnv.isEmpty()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "worker-" + UUID.randomUUID();
        }
    }
}
