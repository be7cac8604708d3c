package dev.optinfleet.core.scoring;

import dev.optinfleet.core.memory.MemoryBudgetException;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientMemoryTest {
    /** e5-small-v2's shape: 12 layers, d 384, F 1536, 12 heads, 512 positions. */
    private static final ModelConfig E5 = ModelConfig.dense("bert", 30522, 384, 12, 12, 1536, 512, 2, 1e-12,
            Pooling.MEAN, 0, List.of());

    @Test
    void passesStayWithinTheBudgetAtEveryLength() {
        for (long budget : new long[] {1L << 30, 2L << 30, 6L << 30}) {
            for (int length : new int[] {16, 128, 300, 512}) {
                for (boolean features : new boolean[] {false, true}) {
                    int n = GradientMemory.samplesPerPass(E5, length, features, budget, 1 << 20);
                    long need = n * GradientMemory.bytesPerSample(E5, length, features);
                    assertTrue(need <= budget, n + " samples of " + length + " need " + need + " > " + budget);
                    long more = (n + 1) * GradientMemory.bytesPerSample(E5, length, features);
                    assertTrue(more > budget, "one more sample would still fit at " + length);
                }
            }
        }
    }

    @Test
    void longerTextsAndTheGramTermCostMore() {
        assertTrue(GradientMemory.bytesPerSample(E5, 512, false) > 4 * GradientMemory.bytesPerSample(E5, 128, false));
        assertTrue(GradientMemory.bytesPerSample(E5, 512, true) > GradientMemory.bytesPerSample(E5, 512, false));
        assertEquals(3, GradientMemory.samplesPerPass(E5, 16, false, 1L << 40, 3), "capped by fisher_batch");
    }

    @Test
    void oneSequenceThatCannotFitFailsAtOnce() {
        var e = assertThrows(MemoryBudgetException.class,
                () -> GradientMemory.samplesPerPass(E5, 512, true, 100L << 20, 8));
        assertTrue(e.getMessage().contains("512 tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("--max-length"), e.getMessage());
    }
}
