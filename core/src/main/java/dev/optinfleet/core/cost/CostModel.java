package dev.optinfleet.core.cost;

import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.scoring.ExactMemory;
import dev.optinfleet.core.scoring.GradientMemory;
import dev.optinfleet.core.scoring.ScoringPlan;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.UnitKind;

import java.util.List;

/**
 * A job's cost before it runs, from the same plan the coordinator publishes ({@link ScoringPlan}) and the same
 * per-layer cost as the FLOP model ({@link FlopModel}: 4·s·d² + 2·s²·d + 2·s·d·F multiply-adds per layer and
 * sequence of s tokens, counted at each sample's own length), divided by a worker kind's achieved rate
 * ({@link WorkerKind}).
 *
 * <ul>
 *   <li>{@code fisher}: per sample one forward pass and one backward pass per probe; {@code fisher_trajectory}
 *       two backward passes per probe (the output and the feature term). A backward pass costs what the forward
 *       pass costs (gradients flow to the activations and gates only, never to the weights).</li>
 *   <li>{@code output}, {@code trajectory}: per shard one full teacher pass; per unit and sample one partial pass
 *       from the unit's layer (a head re-runs its layer and those above, a neuron only those above), and for
 *       {@code trajectory} the student's Gram matrices over K token rows at each later layer (2·K²·d each).</li>
 * </ul>
 * Not modelled: padding within a micro-batch (samples are sorted by length, so it is small), the engine's slower
 * rate on long sequences in large passes (measured: up to 35% slower at 512 tokens, see docs/cost-model.md),
 * first-pass warm-up.
 */
public final class CostModel {
    /** Characters of one double in a JSON term array, with its separator: the size of results on the wire. */
    static final int JSON_BYTES_PER_TERM = 22;

    private CostModel() {
    }

    /**
     * @param config          the dense model
     * @param settings        scoring settings (scorer, probes, token rows, batch caps)
     * @param shardLengths    per shard, the token length of every sample used (after max_samples and max_length)
     * @param neuronsPerTask  exact scorers' split
     * @param samplesPerTask  gradient scorers' split
     * @param checkpointBytes the checkpoint's size (what each worker fetches)
     * @param shardBytes      all calibration shards' size
     * @param memory          a worker's memory budget
     * @param workerHeapBytes a worker's -Xmx (counted by the budget at its maximum)
     * @param kind            the worker kind times are given for
     */
    public static JobCost estimate(ModelConfig config, ScoringSettings settings, List<int[]> shardLengths,
                                   int neuronsPerTask, int samplesPerTask, long checkpointBytes, long shardBytes,
                                   MemoryBudget memory, long workerHeapBytes, WorkerKind kind) {
        int[] sizes = shardLengths.stream().mapToInt(a -> a.length).toArray();
        List<ScoringTask> tasks = ScoringPlan.plan(config, settings, sizes, neuronsPerTask, samplesPerTask);
        boolean gradient = settings.scorer().gradient();
        int layers = config.numLayers();
        int probes = settings.fisherProbes();
        int backwardPerProbe = settings.needsFeatureTerm() ? 2 : 1;
        double rate = kind.gflops(gradient) * 1e9;
        double[] seconds = new double[tasks.size()];
        boolean[] teacherCounted = new boolean[shardLengths.size()];
        long forward = 0;
        long backward = 0;
        double flops = 0;
        long resultTerms = 0;
        for (int t = 0; t < tasks.size(); t++) {
            ScoringTask task = tasks.get(t);
            int[] lengths = shardLengths.get(task.shard());
            double taskFlops = 0;
            if (task instanceof ScoringTask.GradientBatch g) {
                taskFlops += gradientTaskFlops(config, settings, lengths, g);
                int n = g.to() - g.from();
                forward += n;
                backward += (long) n * probes * backwardPerProbe;
                resultTerms += 2L * layers * (config.numHeads() + config.intermediateSize());
            } else if (task instanceof ScoringTask.UnitRange u) {
                // the teacher pass of a shard, once (a worker keeps it for the shard's later tasks)
                boolean teacher = !teacherCounted[u.shard()];
                teacherCounted[u.shard()] = true;
                taskFlops += exactTaskFlops(config, settings, lengths, u, teacher);
                forward += (long) u.count() * lengths.length + (teacher ? lengths.length : 0);
                resultTerms += 2L * u.count();
            }
            seconds[t] = taskFlops / rate;
            flops += taskFlops;
        }
        double compute = 0;
        double longest = 0;
        for (double s : seconds) {
            compute += s;
            longest = Math.max(longest, s);
        }
        long peak = peakBytes(config, settings, shardLengths, memory, workerHeapBytes);
        return new JobCost(layers * config.numHeads(), layers * config.intermediateSize(), tasks.size(), forward,
                backward, flops, checkpointBytes, shardBytes, resultTerms * JSON_BYTES_PER_TERM, peak, compute,
                longest, seconds, kind);
    }

    /**
     * Seconds one task takes on a worker of {@code kind}: its FLOPs, as {@link #estimate} counts them, over the
     * kind's achieved rate. What the worker's benchmark mode ({@code optin.worker.simulate-compute}) waits instead
     * of computing.
     *
     * @param lengths     token length of every sample of the task's shard
     * @param withTeacher for an exact task, whether it also pays the shard's teacher pass (a worker computes it
     *                    for the first task of a shard it runs and keeps it for the next)
     */
    public static double taskSeconds(ModelConfig config, ScoringSettings settings, int[] lengths, ScoringTask task,
                                     boolean withTeacher, WorkerKind kind) {
        double flops = task instanceof ScoringTask.GradientBatch g
                ? gradientTaskFlops(config, settings, lengths, g)
                : exactTaskFlops(config, settings, lengths, (ScoringTask.UnitRange) task, withTeacher);
        return flops / (kind.gflops(settings.scorer().gradient()) * 1e9);
    }

    /** FLOPs of a gradient task: per sample one forward pass and one (two) backward passes per probe. */
    static double gradientTaskFlops(ModelConfig config, ScoringSettings settings, int[] lengths,
                                    ScoringTask.GradientBatch g) {
        int backwardPerProbe = settings.needsFeatureTerm() ? 2 : 1;
        double flops = 0;
        for (int i = g.from(); i < g.to(); i++) {
            double pass = config.numLayers() * layerFlops(config, lengths[i]);
            flops += pass * (1 + (double) settings.fisherProbes() * backwardPerProbe);
        }
        return flops;
    }

    /**
     * FLOPs of an exact task: its units' partial passes over every sample of the shard (and their Gram matrices
     * for {@code trajectory}), plus the shard's full teacher pass when {@code withTeacher}.
     */
    public static double exactTaskFlops(ModelConfig config, ScoringSettings settings, int[] lengths,
                                        ScoringTask.UnitRange u, boolean withTeacher) {
        int layers = config.numLayers();
        double flops = 0;
        if (withTeacher) {
            for (int s : lengths) {
                flops += layers * layerFlops(config, s);
            }
        }
        int rerun = layers - u.layer() - (u.kind() == UnitKind.NEURON ? 1 : 0);
        double perUnit = 0;
        for (int s : lengths) {
            perUnit += Math.max(rerun, 0) * layerFlops(config, s);
        }
        if (settings.needsFeatureTerm()) {
            int gramLayers = u.layer() == layers - 1 ? 1 : layers - 1 - u.layer();
            long k = settings.tokenRows();
            perUnit += gramLayers * 2.0 * k * k * config.hiddenSize();
        }
        return flops + perUnit * u.count();
    }

    /** FLOPs of one dense layer over one sequence of {@code s} tokens: 2 x the FLOP model's multiply-adds. */
    static double layerFlops(ModelConfig c, int s) {
        FlopModel m = FlopModel.of(c, s);
        return 2 * (c.numHeads() * m.headMacs() + c.intermediateSize() * m.neuronMacs());
    }

    /**
     * The worker's planned peak: heap at -Xmx, the runtime share and the float32 weights (what
     * {@link MemoryBudget#passBytes} sets aside), plus what the passes of the longest sample want, at most what the
     * budget leaves them (passes are sized to fit).
     */
    static long peakBytes(ModelConfig c, ScoringSettings settings, List<int[]> shardLengths, MemoryBudget memory,
                          long heapBytes) {
        long weights = 4 * FlopModel.of(c, 1).denseParams();
        long fixed = heapBytes + MemoryBudget.RUNTIME_BYTES + weights;
        int longest = 1;
        int samples = 0;
        long tokens = 0;
        for (int[] shard : shardLengths) {
            samples = Math.max(samples, shard.length);
            for (int s : shard) {
                longest = Math.max(longest, s);
                tokens += s;
            }
        }
        long want;
        if (settings.scorer().gradient()) {
            want = Math.min(settings.fisherBatch(), Math.max(samples, 1))
                    * GradientMemory.bytesPerSample(c, longest, settings.needsFeatureTerm());
        } else {
            int batch = Math.max(1, Math.min(samples, 4096 / longest));
            want = ExactMemory.teacherBytes(c, settings.tokenRows(), samples, tokens)
                    + ExactMemory.passBytes(c, settings.unitBatch(), batch, longest);
        }
        return Math.min(memory.bytes(), fixed + want);
    }
}
