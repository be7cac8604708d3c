package dev.optinfleet.coordinator.lease;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.coordinator.messaging.KafkaClientProperties;
import dev.optinfleet.fleet.threads.NamedThreads;
import dev.optinfleet.schemas.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Exactly one coordinator is active (issue 16): before anything of the coordinator starts (its Kafka channels join
 * their consumer groups, start-up recovery reads the topics, the HTTP server opens), start-up waits here until this
 * instance holds the {@link CoordinatorLease}. A second coordinator (a rolling update, a mistaken scale-up) therefore
 * stands by without consuming anything, and is not ready (its HTTP port is not open yet); when the active one stops
 * or dies, the standby acquires the lease, finishes starting and recovers every job from the topics. An active
 * coordinator that loses its lease exits at once (status 3) rather than race the new holder; its pod restarts and
 * stands by.
 *
 * <p>Runs before SmallRye Reactive Messaging starts its channels (observer priority below the library's).
 */
@Singleton
public class LeaseGate {
    /** The lease's consumer group: every coordinator of a deployment joins it. */
    public static final String GROUP = "optin-coordinator-lease";
    private static final Logger LOG = Logger.getLogger(LeaseGate.class);
    /** How long start-up waits for the lease before it says (at WARN) that it stands by. */
    private static final Duration STANDBY_NOTICE = Duration.ofSeconds(3);

    private final CoordinatorSettings settings;
    private final KafkaClientProperties kafka;
    private volatile CoordinatorLease lease;

    public LeaseGate(CoordinatorSettings settings, KafkaClientProperties kafka) {
        this.settings = settings;
        this.kafka = kafka;
    }

    void awaitLease(@Observes @Priority(500) StartupEvent event) {
        if (!settings.leaseEnabled()) {
            LOG.warn("optin.coordinator.lease.enabled=false: this coordinator does not check that it is the only one");
            return;
        }
        CoordinatorLease l = new CoordinatorLease(kafka.common(), Topics.COORDINATOR_LEASE, GROUP,
                settings.instanceId(), settings.leaseSessionTimeout(), LeaseGate::exitLost);
        lease = l;
        NamedThreads.start("optin-lease", l::run);
        long started = System.nanoTime();
        LOG.infof("waiting for the coordinator lease (%s)", Topics.COORDINATOR_LEASE);
        boolean stoodBy = false;
        try {
            try {
                l.acquired().get(STANDBY_NOTICE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                stoodBy = true;
                LOG.warnf("standing by: another coordinator holds the lease %s; this one starts when it ends",
                        Topics.COORDINATOR_LEASE);
                l.acquired().get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the coordinator lease", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the coordinator lease could not be acquired: " + e.getCause(), e);
        }
        long waited = (System.nanoTime() - started) / 1_000_000;
        if (stoodBy) {
            LOG.warnf("coordinator lease held after standing by for %d ms: taking over", waited);
        } else {
            LOG.infof("coordinator lease held after %d ms; starting", waited);
        }
    }

    /** Whether this coordinator holds the lease (true when the lease is disabled). */
    public boolean isActive() {
        CoordinatorLease l = lease;
        return !settings.leaseEnabled() || (l != null && l.isHeld());
    }

    void release(@Observes ShutdownEvent event) {
        CoordinatorLease l = lease;
        if (l != null) {
            l.close();
        }
    }

    private static void exitLost() {
        // At once, not a graceful shutdown: nothing more may be published by a coordinator that is not the active one.
        Runtime.getRuntime().halt(3);
    }
}
