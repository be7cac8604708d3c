package dev.optinfleet.fleet;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the shared plumbing needs from an application's resolved settings; the coordinator's and the worker's
 * settings beans implement it, so the one {@code FleetSettings} bean is whichever application runs.
 */
public interface FleetSettings {

    /** Who this process is in dead letters (the coordinator's instance id, the worker's id). */
    String instanceId();

    /** How long a send waits for Kafka's acknowledgement before it fails. */
    Duration publishTimeout();

    /** The directory the object cache owns: it adopts and evicts every file there. */
    Path objectsDir();

    /** The object cache's size bound, > 0. */
    long cacheMaxBytes();
}
