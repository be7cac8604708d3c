package dev.optinfleet.coordinator.config;

import dev.optinfleet.fleet.FleetSettings;
import dev.optinfleet.fleet.s3.StorageBeans;
import dev.optinfleet.storage.S3Uri;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * {@link CoordinatorConfig} resolved and checked as a whole at start-up, every rule naming the key, the rule and the
 * value.
 */
@Singleton
@Startup
public final class CoordinatorSettings implements FleetSettings {
    private final String instanceId;
    private final Path workDir;
    private final long cacheMaxBytes;
    private final int neuronsPerTask;
    private final int samplesPerTask;
    private final S3Uri outputPrefix;
    private final Duration progressInterval;
    private final Duration publishTimeout;
    private final int jobThreads;
    private final boolean newBudgetCheckpoints;
    private final Duration recoveryTimeout;
    private final TaskDeadlineSettings taskDeadline;
    private final int taskAttempts;
    private final Set<String> retryableErrors;
    private final boolean leaseEnabled;
    private final Duration leaseSessionTimeout;

    public CoordinatorSettings(CoordinatorConfig config) {
        this.instanceId = config.id().map(String::trim).filter(s -> !s.isEmpty())
                .orElseGet(CoordinatorSettings::hostName);
        this.workDir = config.workDir().toAbsolutePath();
        this.cacheMaxBytes = positive("optin.coordinator.cache-max-size", config.cacheMaxSize().asLongValue());
        this.neuronsPerTask = (int) positive("optin.coordinator.neurons-per-task", config.neuronsPerTask());
        this.samplesPerTask = (int) positive("optin.coordinator.samples-per-task", config.samplesPerTask());
        this.jobThreads = (int) positive("optin.coordinator.job-threads", config.jobThreads());
        this.outputPrefix = outputPrefix(config.outputPrefix());
        this.progressInterval = nonNegative("optin.coordinator.progress-interval", config.progressInterval());
        this.publishTimeout = nonNegative("optin.coordinator.publish-timeout", config.publishTimeout());
        if (publishTimeout.isZero()) {
            throw new IllegalArgumentException("optin.coordinator.publish-timeout must be > 0, was 0");
        }
        this.newBudgetCheckpoints = config.newBudgetCheckpoints();
        this.recoveryTimeout = nonNegative("optin.coordinator.recovery-timeout", config.recoveryTimeout());
        this.taskDeadline = TaskDeadlineSettings.of(config.taskDeadline());
        this.taskAttempts = (int) positive("optin.coordinator.task-attempts", config.taskAttempts());
        this.retryableErrors = config.retryableErrors().stream().map(String::trim).filter(e -> !e.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.leaseEnabled = config.lease().enabled();
        this.leaseSessionTimeout = nonNegative("optin.coordinator.lease.session-timeout",
                config.lease().sessionTimeout());
        if (leaseSessionTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("optin.coordinator.lease.session-timeout must be >= 1s, was "
                    + leaseSessionTimeout);
        }
    }

    /** The default output prefix as an S3 URI; a request's own prefix is checked the same way by the intake. */
    public static S3Uri outputPrefix(String value) {
        try {
            S3Uri uri = S3Uri.parse(value);
            if (uri.key().isEmpty()) {
                throw new IllegalArgumentException("it names a bucket root; give a prefix such as s3://"
                        + uri.bucket() + "/pruned");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optin.coordinator.output-prefix must be s3://bucket/prefix, was '"
                    + value + "': " + e.getMessage(), e);
        }
    }

    /** Who this coordinator is in dead letters. */
    @Override
    public String instanceId() {
        return instanceId;
    }

    public Path workDir() {
        return workDir;
    }

    /** {@code <work-dir>/objects}. */
    @Override
    public Path objectsDir() {
        return workDir.resolve(StorageBeans.OBJECTS_DIR);
    }

    @Override
    public long cacheMaxBytes() {
        return cacheMaxBytes;
    }

    public int neuronsPerTask() {
        return neuronsPerTask;
    }

    public int samplesPerTask() {
        return samplesPerTask;
    }

    public S3Uri outputPrefix() {
        return outputPrefix;
    }

    public Duration progressInterval() {
        return progressInterval;
    }

    @Override
    public Duration publishTimeout() {
        return publishTimeout;
    }

    public int jobThreads() {
        return jobThreads;
    }

    public boolean newBudgetCheckpoints() {
        return newBudgetCheckpoints;
    }

    public Duration recoveryTimeout() {
        return recoveryTimeout;
    }

    /** When a task without result or progress is published again, and how often. */
    public TaskDeadlineSettings taskDeadline() {
        return taskDeadline;
    }

    /** Deliveries of a task that may fail with a retryable error before its job fails. */
    public int taskAttempts() {
        return taskAttempts;
    }

    /** Whether a worker's dead letter with this exception class asks for another delivery. */
    public boolean isRetryable(String exceptionClass) {
        return exceptionClass != null && retryableErrors.contains(exceptionClass);
    }

    public boolean leaseEnabled() {
        return leaseEnabled;
    }

    public Duration leaseSessionTimeout() {
        return leaseSessionTimeout;
    }

    static long positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, was " + value);
        }
        return value;
    }

    static Duration nonNegative(String key, Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, was " + value);
        }
        return value;
    }

    private static String hostName() {
        String fromEnv = Optional.ofNullable(System.getenv("HOSTNAME")).map(String::trim).orElse("");
        if (!fromEnv.isEmpty()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "coordinator-" + UUID.randomUUID();
        }
    }
}
