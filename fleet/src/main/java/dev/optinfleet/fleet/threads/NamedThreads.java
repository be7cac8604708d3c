package dev.optinfleet.fleet.threads;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads with names that say what they do ({@code optin-job-3}, {@code output-upload-1}) in thread dumps and
 * logs. Daemons, so that a pool or a background start-up task never keeps a stopping application alive.
 */
public final class NamedThreads {
    private NamedThreads() {
    }

    /** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ... in creation order. */
    public static ThreadFactory factory(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + "-" + n.incrementAndGet());
    }

    /** Starts the work on a new daemon thread of this name. */
    public static Thread start(String name, Runnable work) {
        Thread thread = daemon(work, name);
        thread.start();
        return thread;
    }

    private static Thread daemon(Runnable work, String name) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }
}
