package dev.optinfleet.worker.messaging;

import io.quarkus.runtime.ShutdownEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The in-flight record file as successive worker processes on one cache directory see it: each new
 * {@link InFlightTask} on the same directory stands for a worker restarted after the previous one died mid-task.
 */
class InFlightTaskTest {
    private static final String RECORD = "job-1/s0-samples-0-8 optin.scoring-tasks-3@17";
    private static final String OTHER = "job-1/s0-samples-8-16 optin.scoring-tasks-3@18";

    @TempDir
    Path cache;

    @Test
    void aRecordStartedAgainByEachNewProcessCountsItsStartsInARow() {
        assertEquals(1, new InFlightTask(cache).starting(RECORD));
        assertEquals(2, new InFlightTask(cache).starting(RECORD), "the first process died while scoring it");
        assertEquals(3, new InFlightTask(cache).starting(RECORD));
        assertEquals(4, new InFlightTask(cache).starting(RECORD));
    }

    @Test
    void anotherRecordStartsItsOwnCountFromOne() {
        new InFlightTask(cache).starting(RECORD);
        new InFlightTask(cache).starting(RECORD);
        assertEquals(1, new InFlightTask(cache).starting(OTHER), "a different record resets the count");
        assertEquals(1, new InFlightTask(cache).starting(RECORD), "the first record's count was replaced");
    }

    @Test
    void aFinishedRecordIsForgotten() {
        InFlightTask first = new InFlightTask(cache);
        first.starting(RECORD);
        first.starting(RECORD); // the same process twice (a nack then redelivery without a finish): still counts
        first.finished();
        assertFalse(Files.exists(cache.resolve(InFlightTask.FILE)), "nothing in flight");
        assertEquals(1, new InFlightTask(cache).starting(RECORD), "redelivered after it finished: a fresh count");
    }

    @Test
    void aGracefulStopForgetsTheRecordAndRecordsNoneStartedAfterIt() {
        InFlightTask stopped = new InFlightTask(cache);
        stopped.starting(RECORD);
        stopped.onStop(new ShutdownEvent());
        assertFalse(Files.exists(cache.resolve(InFlightTask.FILE)), "a rolling update is not the task's fault");
        stopped.starting(OTHER); // polled while the application stops, cut short by the stop
        assertFalse(Files.exists(cache.resolve(InFlightTask.FILE)), "a record started while stopping is not kept");
        assertEquals(1, new InFlightTask(cache).starting(OTHER), "its next delivery is a first start");
    }

    @Test
    void anUnreadableFileCountsFromOne() throws Exception {
        Files.writeString(cache.resolve(InFlightTask.FILE), "garbage\n" + RECORD);
        assertEquals(1, new InFlightTask(cache).starting(RECORD));
        assertEquals(2, new InFlightTask(cache).starting(RECORD), "and the file is rewritten readable");
    }
}
