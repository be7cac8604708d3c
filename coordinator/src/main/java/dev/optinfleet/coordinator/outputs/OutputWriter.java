package dev.optinfleet.coordinator.outputs;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.checkpoint.DenseModel;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.flops.FlopReport;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.pipeline.Repairing;
import dev.optinfleet.core.reconstruct.ReconstructionSettings;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.fleet.threads.NamedThreads;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.schemas.status.BudgetResult;
import dev.optinfleet.storage.LocalDirs;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageRetry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Writes a job's outputs with core's {@link JobOutputs} (exactly what the local pruner writes) into a local
 * directory under the work dir, then uploads every file under the job's prefix ({@link OutputLocation}). Writing
 * again is idempotent: the same scores give the same files at the same keys.
 */
@Singleton
public class OutputWriter {
    static final String OUTPUTS_DIR = "outputs";

    /** Uploads at once: a job's outputs are a few large checkpoints, each uploaded alone is bound by one stream. */
    static final int UPLOAD_THREADS = 4;

    private final ObjectStore store;
    private final StorageRetry retry;
    private final Path outputsRoot;
    private final ExecutorService uploads;

    /**
     * @param retry every upload rides out a storage outage up to {@code optin.s3.retry.deadline}: a job whose every
     *              score is in stays SOLVING meanwhile instead of failing
     */
    public OutputWriter(ObjectStore store, StorageRetry retry, CoordinatorSettings settings) {
        this.store = store;
        this.retry = retry;
        this.outputsRoot = settings.workDir().resolve(OUTPUTS_DIR);
        this.uploads = Executors.newFixedThreadPool(UPLOAD_THREADS, NamedThreads.factory("output-upload"));
    }

    @PreDestroy
    void close() {
        uploads.shutdownNow();
    }

    /**
     * Writes scores.json (when {@code withScores}) and, per budget, mask.json and the pruned checkpoint
     * (config.json, model.safetensors, tokenizer.json) with its kept weights repaired as {@code repairing} says,
     * and its model.onnx; uploads them. Close the result to delete the local copies. With repair none a dense model
     * known by its headers is sliced from its file (see core's JobOutputs#writeBudgets); other repairs load it.
     */
    public WrittenOutputs write(String jobId, JobRequest request, DenseModel dense, Path tokenizer,
                                ScoresDocument scores, FlopModel flops, List<Double> budgets, boolean withScores,
                                Repairing repairing) {
        Path dir = localDir(jobId);
        try {
            if (withScores) {
                JobOutputs.writeScores(scores, dir);
            }
            List<BudgetOutput> outputs = JobOutputs.writeBudgets(dir, dense, tokenizer, scores, flops, budgets,
                    repairing);
            upload(jobId, request, dir);
            List<BudgetResult> results = new ArrayList<>();
            for (BudgetOutput o : outputs) {
                results.add(result(jobId, request, o.budget(), o.report(), true));
            }
            return new WrittenOutputs(OutputLocation.jobPrefix(request, jobId), dir, outputs, results);
        } catch (RuntimeException e) {
            LocalDirs.deleteTree(dir);
            throw e;
        }
    }

    /** Solves one budget and writes only its mask.json (no pruned checkpoint); uploads it. */
    public WrittenOutputs writeMaskOnly(String jobId, JobRequest request, DenseModel dense, ScoresDocument scores,
                                        FlopModel flops, double budget) {
        Path dir = localDir(jobId);
        try {
            SolvedMask solved = JobOutputs.solve(scores, flops, budget);
            FlopReport report = flops.report(solved.mask());
            MaskDocument doc = MaskDocuments.of(dense.name(), scores.weightsSha256(), solved, report,
                    String.valueOf(scores.settings().get("scorer")), scores.settings());
            Path budgetDir = dir.resolve(JobOutputs.budgetDirName(budget));
            Files.createDirectories(budgetDir);
            Files.writeString(budgetDir.resolve(JobOutputs.MASK_FILE), MaskJson.write(doc), StandardCharsets.UTF_8);
            upload(jobId, request, dir);
            BudgetOutput output = new BudgetOutput(budget, budgetDir, solved, report, doc);
            return new WrittenOutputs(OutputLocation.jobPrefix(request, jobId), dir, List.of(output),
                    List.of(result(jobId, request, budget, report, false)));
        } catch (IOException e) {
            LocalDirs.deleteTree(dir);
            throw new UncheckedIOException("cannot write the mask of budget " + budget + " of job " + jobId, e);
        } catch (RuntimeException e) {
            LocalDirs.deleteTree(dir);
            throw e;
        }
    }

    /**
     * The request's repair (the product default when absent) on the job's calibration tokens: reconstruction runs
     * here, in the finishing step, one sublayer at a time in micro-batches (memory: the statistics of one
     * sublayer plus two residual streams of the calibration tokens; see core's Reconstructor), so a fleet job
     * writes what the in-process pruner writes.
     */
    static Repairing repairing(JobRequest request, List<TokenBatch> calibration) {
        Repair repair = request.repair() == null ? ReconstructionSettings.DEFAULT_REPAIR
                : Repair.parse("repair", request.repair());
        return new Repairing(ReconstructionSettings.of(repair), calibration);
    }

    private Path localDir(String jobId) {
        return outputsRoot.resolve(jobId + "-" + UUID.randomUUID());
    }

    private static BudgetResult result(String jobId, JobRequest request, double budget, FlopReport report,
                                       boolean withCheckpoint) {
        return new BudgetResult(budget, report.keptFraction(), OutputLocation.mask(request, jobId, budget).toString(),
                withCheckpoint ? OutputLocation.checkpointConfig(request, jobId, budget).toString() : null,
                report.keptHeads(), report.keptNeurons(), report.prunableBefore(), report.prunableAfter(), null);
    }

    /** Uploads every file under {@code dir} to the same relative key under the job's prefix; masks last. */
    private void upload(String jobId, JobRequest request, Path dir) {
        S3Uri prefix = OutputLocation.jobPrefix(request, jobId);
        retry.call("create bucket " + prefix.bucket(), () -> {
            store.ensureBucket(prefix.bucket());
            return null;
        });
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the outputs in " + dir, e);
        }
        // mask.json last: a reader who finds a budget's mask finds its checkpoint complete beside it.
        uploadAll(prefix, dir, files.stream().filter(f -> !isMask(f)).toList());
        uploadAll(prefix, dir, files.stream().filter(OutputWriter::isMask).toList());
    }

    /** Uploads the files side by side and returns once all are stored; the first failure is thrown. */
    private void uploadAll(S3Uri prefix, Path dir, List<Path> files) {
        List<Future<?>> pending = new ArrayList<>();
        for (Path file : files) {
            String relative = dir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
            S3Uri target = prefix.resolve(relative);
            pending.add(uploads.submit(() -> retry.call("upload " + target,
                    () -> store.putFile(target, file))));
        }
        RuntimeException failure = null;
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
                        : new IllegalStateException("upload failed: " + e.getCause(), e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pending.forEach(p -> p.cancel(true));
                throw new IllegalStateException("interrupted while uploading the outputs in " + dir, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static boolean isMask(Path file) {
        return file.getFileName().toString().equals(JobOutputs.MASK_FILE);
    }
}
