package dev.optinfleet.coordinator.events;

import jakarta.inject.Singleton;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The most recent checkpoint-event decisions ({@code optin.events.recent-decisions} of them), newest first, for
 * {@code GET /events}. In memory only: the durable records are the ledger (what started which job) and the
 * dead-letter topic (every rejection with its reason). Thread-safe.
 */
@Singleton
public class EventDecisions {
    private final int capacity;
    private final Deque<EventDecision> recent = new ArrayDeque<>(); // guarded by this, newest first

    public EventDecisions(EventsConfig config) {
        if (config.recentDecisions() < 1) {
            throw new IllegalArgumentException("optin.events.recent-decisions must be >= 1, was "
                    + config.recentDecisions());
        }
        this.capacity = config.recentDecisions();
    }

    public synchronized void add(EventDecision decision) {
        recent.addFirst(decision);
        while (recent.size() > capacity) {
            recent.removeLast();
        }
    }

    /** Newest first. */
    public synchronized List<EventDecision> recent() {
        return List.copyOf(new ArrayList<>(recent));
    }
}
