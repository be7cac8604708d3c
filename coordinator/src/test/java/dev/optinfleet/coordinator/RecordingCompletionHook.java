package dev.optinfleet.coordinator;

import dev.optinfleet.coordinator.outputs.FinishedJob;
import dev.optinfleet.coordinator.outputs.JobCompletionHook;
import dev.optinfleet.core.pipeline.JobOutputs;
import jakarta.inject.Singleton;

import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A completion hook installed in the test application, standing in for the report writer and the registry: it
 * records what it was given (and whether the local outputs were readable during the call) and adds nothing.
 */
@Singleton
public class RecordingCompletionHook implements JobCompletionHook {
    /** What the hook saw of one job. */
    public record Call(FinishedJob job, boolean localScoresReadable, boolean localMasksReadable) {
    }

    private final Map<String, Call> calls = new ConcurrentHashMap<>();

    @Override
    public Contribution afterOutputs(FinishedJob job) {
        boolean scores = Files.isRegularFile(job.outputs().localDir().resolve(JobOutputs.SCORES_FILE));
        boolean masks = job.outputs().budgets().stream()
                .allMatch(b -> Files.isRegularFile(b.dir().resolve(JobOutputs.MASK_FILE)));
        calls.put(job.jobId(), new Call(job, scores, masks));
        return Contribution.NONE;
    }

    public Call call(String jobId) {
        return calls.get(jobId);
    }
}
