package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.jobs.Job;
import dev.optinfleet.coordinator.planning.JobInputs;
import dev.optinfleet.coordinator.planning.ScoringSpecs;
import dev.optinfleet.core.cost.CostModel;
import dev.optinfleet.core.cost.JobCost;
import dev.optinfleet.core.cost.WorkerKind;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.schemas.job.JobRequest;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's cost model ({@link CostModel}) in {@code GET /jobs/{id}}: from the planned inputs (so from the moment the
 * job's tasks are planned, before any is published) for one worker kind of the bundled calibration file. Settings:
 * {@code optin.coordinator.cost.kind} (default {@code cpu-2core}), {@code optin.coordinator.cost.worker-memory}
 * (8g) and {@code .worker-heap} (2g), {@code .partitions} (32, the k8s task topic).
 *
 * @param workerKind        the kind times are for
 * @param kindMeasured      whether its rate was measured (false: a published rate)
 * @param tasks             planned tasks
 * @param heads             heads scored per shard
 * @param neurons           neurons scored per shard
 * @param forwardPasses     sample forward passes (exact scorers: partial passes from the unit's layer)
 * @param backwardPasses    sample backward passes
 * @param flops             FLOPs of all tasks
 * @param resultBytes       bytes of all task results the coordinator merges
 * @param peakWorkerBytes   planned peak memory of a worker
 * @param computeSeconds    scoring alone on one worker
 * @param wallSeconds       estimated submission-to-outputs time by worker count (1, 2, 4, 8)
 */
public record CostView(String workerKind, boolean kindMeasured, int tasks, int heads, int neurons,
                       long forwardPasses, long backwardPasses, double flops, long resultBytes, long peakWorkerBytes,
                       double computeSeconds, Map<String, Double> wallSeconds) {
    static final List<Integer> WORKERS = List.of(1, 2, 4, 8);

    /** The job's cost, or null before it is planned (or when the model cannot estimate it). */
    static CostView of(Job job) {
        JobInputs inputs = job.inputs();
        if (inputs == null) {
            return null;
        }
        JobRequest request = job.request();
        Config config = ConfigProvider.getConfig();
        String kindName = config.getOptionalValue("optin.coordinator.cost.kind", String.class).orElse("cpu-2core");
        String memory = config.getOptionalValue("optin.coordinator.cost.worker-memory", String.class).orElse("8g");
        String heap = config.getOptionalValue("optin.coordinator.cost.worker-heap", String.class).orElse("2g");
        int partitions = config.getOptionalValue("optin.coordinator.cost.partitions", Integer.class).orElse(32);
        List<int[]> lengths = new ArrayList<>();
        int at = 0;
        int[] all = inputs.sampleLengths();
        for (int size : inputs.shardSizes()) {
            lengths.add(Arrays.copyOfRange(all, at, at + size));
            at += size;
        }
        JobCost cost = CostModel.estimate(inputs.config(), ScoringSpecs.toSettings(request.scoring()), lengths,
                request.neuronsPerTask() != null ? request.neuronsPerTask() : ScoringPlan.DEFAULT_NEURONS_PER_TASK,
                request.samplesPerTask() != null ? request.samplesPerTask() : ScoringPlan.DEFAULT_SAMPLES_PER_TASK,
                0, 0,
                MemoryBudget.parse(memory, "optin.coordinator.cost.worker-memory"),
                MemoryBudget.parse(heap, "optin.coordinator.cost.worker-heap").bytes(),
                WorkerKind.find(WorkerKind.bundled(), kindName));
        Map<String, Double> wall = new LinkedHashMap<>();
        for (int n : WORKERS) {
            wall.put(Integer.toString(n), cost.wallSeconds(n, partitions));
        }
        return new CostView(cost.kind().name(), cost.kind().measured(), cost.tasks(), cost.heads(), cost.neurons(),
                cost.forwardPasses(), cost.backwardPasses(), cost.flops(), cost.resultBytes(),
                cost.peakWorkerBytes(), cost.computeSeconds(), wall);
    }
}
