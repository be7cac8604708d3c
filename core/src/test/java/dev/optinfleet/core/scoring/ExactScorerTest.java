package dev.optinfleet.core.scoring;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import dev.optinfleet.core.memory.MemoryBudgetException;
import dev.optinfleet.core.model.Pooling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast exact scorer against the naive one on a small random model; the real-model check is in MiniLm tests. */
class ExactScorerTest {
    static final double RELATIVE = 1e-4;
    /*
     * The output term is a KL divergence of float32 logits: for a unit that barely moves the output (terms ~1e-5)
     * its resolution is ~1e-9 absolute, whatever the scorer, and summation order alone moves it by that much.
     */
    static final double KL_RESOLUTION = 2e-9;

    @Test
    void fastTermsEqualNaiveTermsForEveryUnitOfEveryLayer() {
        ModelConfig config = TinyModels.config();
        Checkpoint c = TinyModels.random(config, 21);
        TokenBatch batch = TinyModels.batch(6, 12, config.vocabSize(), 4);
        ScoringSettings settings = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withTokenRows(40)
                .withUnitBatch(5);
        try (Encoder enc = Encoder.load(c); TeacherPass teacher = new TeacherPass(enc, batch, settings)) {
            NaiveScorer naive = new NaiveScorer(enc, batch, TokenSample.choose(batch, 40, settings.seed()));
            for (int l = 0; l < config.numLayers(); l++) {
                assertMatches(naive, ExactScorer.score(teacher, l, UnitKind.HEAD, 0, 4, settings));
                assertMatches(naive, ExactScorer.score(teacher, l, UnitKind.NEURON, 3, 17, settings));
            }
        }
    }

    /** A 12-layer model: the memory plan, the micro-batches and the Gram rows across them must hold at depth. */
    static ModelConfig deep() {
        return ModelConfig.dense("bert", 50, 16, 12, 4, 24, 64, 2, 1e-12, Pooling.POOLER, 3, List.of());
    }

    @Test
    void scoresAgreeHoweverTheShardIsSplitIntoMicroBatchesAndPasses() {
        ModelConfig config = deep();
        TokenBatch shard = TinyModels.batch(9, 40, config.vocabSize(), 5);
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withTokenRows(60).withUnitBatch(5);
        try (Encoder enc = Encoder.load(TinyModels.random(config, 47))) {
            int k = TokenSample.choose(shard, 60, s.seed()).length;
            long fixed = ExactMemory.teacherBytes(config, k, shard.size(),
                    Arrays.stream(shard.lengths()).sum());
            long one = ExactMemory.minimumTaskBytes(config, 0, k, true, new int[] {1}, new int[] {40});
            Map<Integer, List<UnitTerms>> whole = terms(enc, shard, s, new ScoringContext(1L << 34, null), 1, null);
            NaiveScorer naive = new NaiveScorer(enc, shard, TokenSample.choose(shard, 60, s.seed()));
            for (long budget : new long[] {fixed + one, fixed + 3 * one}) {
                List<long[]> progress = new ArrayList<>();
                Map<Integer, List<UnitTerms>> split = terms(enc, shard, s,
                        new ScoringContext(budget, (done, total) -> progress.add(new long[] {done, total})), -1,
                        budget == fixed + one ? naive : null);
                for (int l : whole.keySet()) {
                    for (int t = 0; t < 2; t++) {
                        UnitTerms e = whole.get(l).get(t);
                        UnitTerms a = split.get(l).get(t);
                        for (int i = 0; i < e.size(); i++) {
                            String where = "budget fixed + " + (budget - fixed) / one + " x one sequence: layer " + l
                                    + " " + e.kind() + " " + (e.from() + i);
                            assertClose(e.feature(i), a.feature(i), 0, where + " feature term");
                            assertClose(e.output(i), a.output(i), KL_RESOLUTION, where + " output term");
                        }
                    }
                }
                long[] last = progress.get(progress.size() - 1);
                assertEquals(last[1], last[0], "the last pass of a task reports it done");
                assertTrue(progress.size() > 2 * whole.size(), "progress after every pass, not per task");
            }
        }
    }

    /**
     * Heads and neurons [3, 11) of five of the 12 layers under {@code context}; asserts how many micro-batches the teacher
     * made ({@code microBatches} > 0: exactly, -1: more than one) and, given a naive scorer, checks layers 0 and 11.
     */
    private static Map<Integer, List<UnitTerms>> terms(Encoder enc, TokenBatch shard, ScoringSettings s,
                                                       ScoringContext context, int microBatches,
                                                       NaiveScorer naive) {
        Map<Integer, List<UnitTerms>> out = new TreeMap<>();
        try (TeacherPass teacher = new TeacherPass(enc, shard, s, context)) {
            if (microBatches > 0) {
                assertEquals(microBatches, teacher.microBatches(), "micro-batches of " + context);
            } else {
                assertTrue(teacher.microBatches() > 1, "a small budget splits the shard: " + teacher.microBatches());
            }
            // First, second, a middle, the last but one (drift of the last layer only) and the last layer.
            for (int l : new int[] {0, 1, 6, 10, 11}) {
                UnitTerms heads = ExactScorer.score(teacher, l, UnitKind.HEAD, 0, 4, s, context);
                UnitTerms neurons = ExactScorer.score(teacher, l, UnitKind.NEURON, 3, 8, s, context);
                out.put(l, List.of(heads, neurons));
                if (naive != null && (l == 0 || l == 11)) {
                    assertMatches(naive, heads);
                    assertMatches(naive, neurons);
                }
            }
        }
        return out;
    }

    @Test
    void aSequenceThatCannotFitFailsNamingTheBudgetLengthAndNeed() {
        ModelConfig config = deep();
        TokenBatch shard = TinyModels.batch(4, 40, config.vocabSize(), 5);
        ScoringSettings s = ScoringSettings.defaults(ScorerKind.TRAJECTORY).withTokenRows(60);
        try (Encoder enc = Encoder.load(TinyModels.random(config, 47))) {
            MemoryBudgetException e = assertThrows(MemoryBudgetException.class,
                    () -> new TeacherPass(enc, shard, s, new ScoringContext(200_000, null)));
            assertTrue(e.getMessage().contains("40 tokens"), e.getMessage());
            assertTrue(e.getMessage().contains("budget leaves"), e.getMessage());
            assertTrue(e.getMessage().contains("needs"), e.getMessage());
            // A task given less than its teacher was planned for fails the same way, before any pass.
            try (TeacherPass teacher = new TeacherPass(enc, shard, s, new ScoringContext(1L << 30, null))) {
                List<Long> progress = new ArrayList<>();
                MemoryBudgetException task = assertThrows(MemoryBudgetException.class,
                        () -> ExactScorer.score(teacher, 0, UnitKind.HEAD, 0, 4, s,
                                new ScoringContext(200_000, (done, total) -> progress.add(done))));
                assertTrue(task.getMessage().contains("40 tokens"), task.getMessage());
                assertTrue(progress.isEmpty(), "no pass ran");
            }
        }
    }

    @Test
    void plannedPassesStayWithinTheBudgetForARealSizedModel() {
        // e5-small-v2's shape: 12 layers, d 384, F 1536, 12 heads, 512 positions; 128 texts of 3..512 tokens.
        ModelConfig c = ModelConfig.dense("bert", 30522, 384, 12, 12, 1536, 512, 2, 1e-12, Pooling.MEAN, 0,
                List.of());
        Random rnd = new Random(3);
        int[] lengths = new int[128];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = i < 8 ? 512 : 3 + rnd.nextInt(510);
        }
        int k = 768;
        long fixed = ExactMemory.teacherBytes(c, k, lengths.length, Arrays.stream(lengths).sum());
        for (long gb : new long[] {1, 2, 4, 8}) {
            long passBytes = gb << 30;
            long left = passBytes - fixed;
            long single = ExactMemory.minimumTaskBytes(c, 0, k, true, new int[] {1}, new int[] {512});
            List<int[]> groups = ExactMemory.microBatches(c, lengths, k, left);
            int[] sizes = groups.stream().mapToInt(g -> g.length).toArray();
            int[] lens = groups.stream().mapToInt(g -> lengths[g[0]]).toArray();
            assertEquals(lengths.length, Arrays.stream(sizes).sum(), "every sample in one micro-batch");
            for (int m = 0; m < sizes.length; m++) {
                assertTrue(sizes[m] == 1 || sizes[m] * lens[m] <= ExactMemory.PASS_TOKENS,
                        sizes[m] + " x " + lens[m]);
                for (int r : groups.get(m)) {
                    assertTrue(lengths[r] <= lens[m], "a micro-batch is padded to its longest");
                }
            }
            long cache = ExactMemory.cacheLimit(left, single);
            for (int l = 0; l < c.numLayers(); l++) {
                for (int count : new int[] {12, 512}) {
                    long minimum = ExactMemory.minimumTaskBytes(c, l, k, true, sizes, lens);
                    long available = ExactMemory.available(left, cache, minimum);
                    ExactMemory.TaskPlan plan = ExactMemory.plan(c, l, count, 16, k, true, sizes, lens, available);
                    long pass = 0;
                    for (int m = 0; m < sizes.length; m++) {
                        pass = Math.max(pass, ExactMemory.passBytes(c, plan.unitsPerPass()[m], sizes[m], lens[m]));
                    }
                    long held = plan.blockUnits() * ExactMemory.gatheredBytesPerUnit(c, l, k)
                            + Math.max(pass, plan.gramUnits() * ExactMemory.gramBytesPerUnit(c, k));
                    String what = gb + " GB, layer " + l + ", " + count + " units";
                    assertEquals(held, plan.peakBytes(), what);
                    long kept = left - available;
                    assertTrue(kept >= 0 && kept <= cache, what + ": the cache gives up room, never takes more");
                    assertTrue(fixed + kept + plan.peakBytes() <= passBytes,
                            what + ": teacher + cache + task within the pass budget");
                    assertTrue(plan.blockUnits() >= 1 && plan.blockUnits() <= count, what);
                }
            }
        }
        // Under the whole budget nothing is split: 128 texts of 32 tokens in one micro-batch, the old unit batching.
        int[] short32 = new int[128];
        Arrays.fill(short32, 32);
        assertEquals(1, ExactMemory.microBatches(c, short32, k, 64L << 30).size());
        ExactMemory.TaskPlan p = ExactMemory.plan(c, 0, 12, 16, k, true, new int[] {128}, new int[] {32}, 64L << 30);
        assertEquals(1, p.unitsPerPass()[0], "4096 tokens: one unit per pass");
        assertEquals(12, p.blockUnits(), "one block when memory allows");
    }

    static void assertMatches(NaiveScorer naive, UnitTerms fast) {
        for (int i = 0; i < fast.size(); i++) {
            double[] expected = naive.terms(fast.layer(), fast.kind(), fast.from() + i);
            String where = "layer " + fast.layer() + " " + fast.kind() + " " + (fast.from() + i);
            assertClose(expected[0], fast.feature(i), 0, where + " feature term");
            assertClose(expected[1], fast.output(i), KL_RESOLUTION, where + " output term");
            assertTrue(fast.output(i) > 0 && fast.feature(i) > 0, where + ": a removed unit must move the model");
        }
    }

    static void assertClose(double expected, double actual, double absolute, String what) {
        assertTrue(expected >= 0 && actual >= 0, what + " must be non-negative");
        double scale = Math.max(Math.abs(expected), 1e-12);
        assertEquals(expected, actual, RELATIVE * scale + absolute, what + ": relative error "
                + Math.abs(expected - actual) / scale);
    }
}
