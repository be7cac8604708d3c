package dev.optinfleet.core.scoring;

import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Child JVM of {@link BoundedScoringTest}: scores a random 12-layer model (d 128, F 512, 4 heads) on 4 texts of
 * 512 tokens with {@code fisher_trajectory} under the budget in args[0], then prints its VmHWM and pass plan.
 */
public final class BoundedScoringMain {
    public static void main(String[] args) throws Exception {
        MemoryBudget budget = MemoryBudget.parse(args[0], "budget");
        ModelConfig c = ModelConfig.dense("bert", 100, 128, 12, 4, 512, 512, 2, 1e-12, Pooling.MEAN, 0, List.of());
        int samples = 4;
        int length = 512;
        Random rnd = new Random(3);
        long[] ids = new long[samples * length];
        long[] mask = new long[samples * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 2 + rnd.nextInt(98);
            mask[i] = 1;
        }
        TokenBatch batch = new TokenBatch(samples, length, ids, new long[ids.length], mask, 0);
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY).withFisher(2, 8);
        try (Encoder enc = Encoder.load(TinyModels.random(c, 5))) {
            ScoringContext context = ScoringContext.of(budget, enc, null);
            int perPass = GradientMemory.samplesPerPass(c, length, true, context.passBytes(), s.fisherBatch());
            TaskRunner.run(new ScoringTask.GradientBatch(0, 0, samples), enc, batch, null, s, context);
            System.out.println("RESULT hwm=" + peak() + " perPass=" + perPass + " passBytes=" + context.passBytes());
        }
    }

    private static long peak() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }
}
