package dev.optinfleet.worker;

import ai.djl.engine.EngineException;
import dev.optinfleet.core.scoring.PassProgress;
import dev.optinfleet.schemas.task.ScoringTaskMessage;
import dev.optinfleet.schemas.task.TaskScores;
import dev.optinfleet.worker.config.WorkerSettings;
import dev.optinfleet.worker.scoring.ModelRuntime;
import dev.optinfleet.worker.scoring.TaskExecutor;
import dev.optinfleet.worker.storage.ObjectFetcher;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

/**
 * The worker's real executor, with two faults a test can ask for by job id: a job named {@code poison-*} fails in
 * the engine (as a native out-of-memory does), a job named {@code slow-*} takes {@link #SLOW_MILLIS} longer than
 * its scoring (a long task, without waiting an hour for one). Every other task runs unchanged.
 */
@Alternative
@Priority(1)
@Singleton
public class FaultInjectingExecutor extends TaskExecutor {
    static final long SLOW_MILLIS = 2500;

    public FaultInjectingExecutor(ModelRuntime runtime, ObjectFetcher fetcher, WorkerSettings settings) {
        super(runtime, fetcher, settings);
    }

    @Override
    public TaskScores execute(ScoringTaskMessage message, PassProgress progress) {
        if (message.jobId().startsWith("poison-")) {
            throw new EngineException("native out of memory: cannot allocate 17179869184 bytes (injected)");
        }
        if (message.jobId().startsWith("slow-")) {
            try {
                Thread.sleep(SLOW_MILLIS); // the simulated work of a long task, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return super.execute(message, progress);
    }
}
