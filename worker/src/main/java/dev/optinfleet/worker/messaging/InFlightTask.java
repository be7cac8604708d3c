package dev.optinfleet.worker.messaging;

import dev.optinfleet.worker.config.WorkerSettings;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The task record this worker is scoring, and how many times in a row this worker started it, in a file of its
 * cache directory (issue 16: a task that kills the worker, by the kernel's out-of-memory killer or a native crash,
 * leaves no dead letter; its offset is not committed, so it is delivered again, and the worker dies again, forever).
 *
 * <p>The file outlives the process: on Kubernetes the cache is the pod's {@code emptyDir}, kept across container
 * restarts. A record found in the file when it is delivered again was in flight when the previous process ended
 * without finishing it. A graceful stop (SIGTERM, a rolling update) is not the task's fault and forgets it. Only the
 * channel's one thread calls {@link #starting} and {@link #finished}.
 */
@Singleton
public class InFlightTask {
    static final String FILE = "in-flight-task";
    private static final Logger LOG = Logger.getLogger(InFlightTask.class);

    private final Path file;
    /**
     * Set by a graceful stop: a record started after it (the channel may still poll one while the application
     * stops) is cut short by the stop, not by itself, so it is not recorded.
     */
    private volatile boolean stopping;

    @Inject
    public InFlightTask(WorkerSettings settings) {
        this(settings.cacheDir());
    }

    /** Remembers the record in flight in {@value #FILE} of {@code cacheDir}. */
    InFlightTask(Path cacheDir) {
        this.file = cacheDir.resolve(FILE);
    }

    /**
     * The record {@code id} starts now; returns how many times in a row it was started here, this one included (1
     * unless the process ended while scoring it).
     */
    public synchronized int starting(String id) {
        int before = 0;
        try {
            if (Files.exists(file)) {
                String[] saved = Files.readString(file, StandardCharsets.UTF_8).split("\n", 2);
                if (saved.length == 2 && saved[1].trim().equals(id)) {
                    before = Integer.parseInt(saved[0].trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warnf("unreadable %s, counting %s from 1: %s", file, id, e.toString());
        }
        int now = before + 1;
        if (!stopping) {
            write(now + "\n" + id);
        }
        return now;
    }

    /**
     * The record started last ended here, whatever its outcome (acknowledged, dead-lettered or given back). Never
     * throws: a file left behind names a record that was finished, and only a delivery of that same record again
     * would count one start too many.
     */
    public synchronized void finished() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", file, e.toString());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        finished();
    }

    private void write(String content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
