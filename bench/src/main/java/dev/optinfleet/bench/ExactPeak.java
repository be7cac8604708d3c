package dev.optinfleet.bench;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.scoring.ExactScorer;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringContext;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.core.scoring.UnitTerms;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak resident memory of exact scoring under a memory budget: the {@code trajectory} teacher of e5-small-v2 on
 * {@code samples} random texts of {@code length} tokens, then one task of one layer's heads or neurons. Prints
 * the budget, the pass bytes, the teacher's micro-batches and kept inputs, wall times and VmHWM (the process's
 * peak resident set, /proc/self/status) next to the budget.
 *
 * <p>Arguments: {@code [budget=4g] [samples=128] [length=512] [layer=0] [head|neuron] [count=12]}.
 */
public final class ExactPeak {
    public static void main(String[] args) throws Exception {
        String budgetText = args.length > 0 ? args[0] : "4g";
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int length = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int layer = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        UnitKind kind = args.length > 4 && args[4].equals("neuron") ? UnitKind.NEURON : UnitKind.HEAD;
        int count = args.length > 5 ? Integer.parseInt(args[5]) : 12;
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        Checkpoint e5 = CheckpointLoader.load(BundledModels.E5_SMALL_V2.onnx(models));
        TokenBatch batch = ForwardBenchmark.randomTokens(samples, length, e5.config().vocabSize());
        MemoryBudget budget = MemoryBudget.parse(budgetText, "budget");
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.TRAJECTORY);
        try (Encoder encoder = Encoder.load(e5)) {
            ScoringContext context = ScoringContext.of(budget, encoder, null);
            System.out.printf("budget %s, heap max %s, pass bytes %s, after load VmHWM %s%n", budget,
                    MemoryBudget.gib(Runtime.getRuntime().maxMemory()), MemoryBudget.gib(context.passBytes()),
                    MemoryBudget.gib(vmHwm()));
            long start = System.nanoTime();
            try (TeacherPass teacher = new TeacherPass(encoder, batch, settings, context)) {
                double teacherSeconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("teacher: %.1f s, fixed %s, kept inputs %s of %s, VmHWM %s%n", teacherSeconds,
                        MemoryBudget.gib(teacher.fixedBytes()), MemoryBudget.gib(teacher.cachedBytes()),
                        MemoryBudget.gib(teacher.cacheLimit()), MemoryBudget.gib(vmHwm()));
                start = System.nanoTime();
                UnitTerms terms = ExactScorer.score(teacher, layer, kind, 0, count, settings, context);
                double taskSeconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("task: layer %d %d %ss in %.1f s (first unit: feature %.4g, output %.4g)%n",
                        layer, count, kind.name().toLowerCase(), taskSeconds, terms.feature(0), terms.output(0));
            }
        }
        long peak = vmHwm();
        System.out.printf("peak VmHWM %s, budget %s: %s%n", MemoryBudget.gib(peak), MemoryBudget.gib(budget.bytes()),
                peak <= budget.bytes() ? "within" : "OVER by " + MemoryBudget.gib(peak - budget.bytes()));
    }

    /** The process's peak resident set in bytes. */
    static long vmHwm() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }
}
