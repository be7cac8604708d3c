package dev.optinfleet.worker.messaging;

/**
 * A task this worker started {@code deliveries} times in a row and never finished: each time the process ended
 * while scoring it (killed for memory, a native crash). Dead-lettered instead of another attempt, so its job fails
 * naming it and the partition behind it moves on.
 */
public class TaskKilledWorkerException extends RuntimeException {
    public TaskKilledWorkerException(String taskKey, String record, int deliveries) {
        super("task " + taskKey + " (" + record + ") was started " + deliveries + " times in a row by this worker"
                + " and each time the worker stopped before finishing it (killed for memory? a native crash?);"
                + " dead-lettered instead of attempt " + (deliveries + 1));
    }
}
