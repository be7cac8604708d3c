package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.storage.LocalDirs;
import dev.optinfleet.storage.S3Uri;

import java.nio.file.Path;
import java.util.List;

/**
 * Outputs written locally and uploaded. The local copies stay until {@link #close()} so that completion hooks (a
 * report writer, say) can read them without downloading.
 *
 * @param prefix    the job's output prefix in storage
 * @param localDir  the local directory that was uploaded (same layout as the prefix)
 * @param budgets   per budget, what was written locally (mask document, solved mask, FLOP report)
 * @param results   per budget, the status entries with their object URIs
 */
public record WrittenOutputs(S3Uri prefix, Path localDir, List<BudgetOutput> budgets, List<BudgetResult> results)
        implements AutoCloseable {
    public WrittenOutputs {
        budgets = List.copyOf(budgets);
        results = List.copyOf(results);
    }

    @Override
    public void close() {
        LocalDirs.deleteTree(localDir);
    }
}
