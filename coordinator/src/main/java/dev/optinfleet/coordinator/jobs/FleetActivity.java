package dev.optinfleet.coordinator.jobs;

import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When the fleet last reported anything: a result or a progress record of any task of any job. A task no worker has
 * started yet may simply be queued behind that work, so its deadline only runs while the fleet is quiet
 * ({@link TaskDeadlines}).
 */
@Singleton
public class FleetActivity {
    private final Clock clock;
    private final AtomicLong last = new AtomicLong();

    public FleetActivity(Clock clock) {
        this.clock = clock;
    }

    /** Something was heard from a worker now. */
    public void heard() {
        last.accumulateAndGet(clock.millis(), Math::max);
    }

    /** When something was last heard (ms of the deadline clock), 0 before anything. */
    public long last() {
        return last.get();
    }
}
