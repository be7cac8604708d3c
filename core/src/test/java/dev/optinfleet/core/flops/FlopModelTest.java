package dev.optinfleet.core.flops;

import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlopModelTest {
    private static final double EXACT = 1e-9;

    /** BERT-base with a 3-way classifier on the pooler, as for MNLI. */
    static ModelConfig bertBase() {
        return ModelConfig.dense("bert", 30522, 768, 12, 12, 3072, 512, 2, 1e-12, Pooling.POOLER, 3,
                List.of("entailment", "neutral", "contradiction"));
    }

    /** d = 8, H = 2 (d_h = 4), L = 2, F = 5, vocabulary 10, 16 positions, 2 token types, 2 labels on the pooler. */
    static ModelConfig tiny() {
        return ModelConfig.dense("bert", 10, 8, 2, 2, 5, 16, 2, 1e-12, Pooling.POOLER, 2, List.of());
    }

    @Test
    void bertBaseOnMnliLengthMatchesPublishedUnitCosts() {
        FlopModel flops = FlopModel.of(bertBase(), 39.05);
        // 4·39.05·768·64 = 7 677 542.4 and 2·39.05²·64 = 195 187.52
        assertEquals(7_872_729.92, flops.headMacs(), 7_872_729.92 * EXACT);
        // 2·39.05·768
        assertEquals(59_980.8, flops.neuronMacs(), 59_980.8 * EXACT);
        // 144 heads + 36 864 neurons: 1 133 673 108.48 + 2 211 132 211.2
        assertEquals(3_344_805_319.68, flops.densePrunableMacs(), 3_344_805_319.68 * EXACT);
        // methods-notes: head ≈ 7.87 M, neuron ≈ 60.0 k, 1 head ≈ 131 neurons, model ≈ 3.35 G (3.345), attention 34 %
        assertEquals(7.87e6, flops.headMacs(), 0.005e6);
        assertEquals(60.0e3, flops.neuronMacs(), 0.05e3);
        assertEquals(131, Math.round(flops.headMacs() / flops.neuronMacs()));
        assertEquals(3.35e9, flops.densePrunableMacs(), 0.01e9);
        assertEquals(0.34, 144 * flops.headMacs() / flops.densePrunableMacs(), 0.005);
    }

    @Test
    void bertBaseParameterCountIsTheKnownOneHundredNineMillion() {
        FlopModel flops = FlopModel.of(bertBase(), 128);
        // bert-base-uncased has 109 482 240 parameters with its pooler; the 3-way classifier adds 768·3 + 3.
        assertEquals(109_482_240L + 2_307L, flops.denseParams());
        assertEquals(4L * 768 * 64 + 3 * 64, flops.headParams());
        assertEquals(2L * 768 + 1, flops.neuronParams());
    }

    @Test
    void tinyModelAccountingMatchesHandArithmetic() {
        // s = mean(2, 3, 4) = 3
        FlopModel flops = FlopModel.fromLengths(tiny(), new int[] {2, 3, 4});
        assertEquals(3.0, flops.tokensPerSequence());
        // head: 4·3·8·4 + 2·3²·4 = 384 + 72; neuron: 2·3·8
        assertEquals(456.0, flops.headMacs());
        assertEquals(48.0, flops.neuronMacs());
        // 4 heads and 10 neurons
        assertEquals(4 * 456.0 + 10 * 48.0, flops.densePrunableMacs());
        // 5 LayerNorms of 2·3·8 = 48, pooler 8·8, classifier 8·2
        assertEquals(5 * 48.0 + 64 + 16, flops.nonPrunableMacs());

        UnitMask mask = new UnitMask(
                new boolean[][] {{true, false}, {true, true}},
                new boolean[][] {{true, true, false, true, false}, {true, true, true, false, true}});
        FlopReport r = flops.report(mask);
        assertEquals(3, r.keptHeads());
        assertEquals(7, r.keptNeurons());
        assertEquals(2304.0, r.prunableBefore());
        assertEquals(3 * 456.0 + 7 * 48.0, r.prunableAfter());
        assertEquals(320.0, r.nonPrunable());
        assertEquals(2624.0, r.totalBefore());
        assertEquals(1704.0 + 320.0, r.totalAfter());
        assertEquals(1704.0 / 2304.0, r.keptFraction(), EXACT);
        // non-prunable params: embeddings (10 + 16 + 2)·8 + 2·8 = 240, layers 2·6·8 = 96, pooler 8·8 + 8 = 72,
        // classifier 2·(8 + 1) = 18; head 4·8·4 + 3·4 = 140; neuron 2·8 + 1 = 17
        assertEquals(426L, flops.nonPrunableParams());
        assertEquals(426L + 4 * 140 + 10 * 17, r.paramsBefore());
        assertEquals(426L + 3 * 140 + 7 * 17, r.paramsAfter());
    }

    @Test
    void parameterCountsMatchTheTensorLayoutOfDenseAndSlicedModels() {
        ModelConfig dense = tiny();
        int[] heads = {1, 0};
        int[] neurons = {3, 5};
        for (boolean pooler : new boolean[] {true, false}) {
            FlopModel flops = FlopModel.of(dense, 7, pooler);
            assertEquals(layoutParams(dense, pooler), flops.denseParams(), "dense, pooler " + pooler);
            assertEquals(layoutParams(dense.withKept(heads, neurons), pooler), flops.report(heads, neurons)
                    .paramsAfter(), "sliced, pooler " + pooler);
        }
        FlopModel base = FlopModel.of(bertBase(), 39.05);
        assertEquals(layoutParams(bertBase(), true), base.denseParams());
    }

    @Test
    void reportOfSlicedConfigEqualsReportOfMaskWithSameCounts() {
        FlopModel flops = FlopModel.of(tiny(), 5.5);
        UnitMask mask = new UnitMask(
                new boolean[][] {{false, true}, {false, false}},
                new boolean[][] {{true, true, true, false, false}, {false, false, false, false, true}});
        assertEquals(flops.report(mask), flops.report(tiny().withKept(new int[] {1, 0}, new int[] {3, 1})));
    }

    @Test
    void keepingEverythingKeepsTheWholeCost() {
        FlopModel flops = FlopModel.of(bertBase(), 39.05);
        FlopReport r = flops.report(UnitMask.all(12, 12, 3072));
        assertEquals(r.prunableBefore(), r.prunableAfter());
        assertEquals(r.totalBefore(), r.totalAfter());
        assertEquals(r.paramsBefore(), r.paramsAfter());
        assertEquals(1.0, r.keptFraction());
        assertTrue(r.nonPrunable() > 0 && r.nonPrunable() < 0.01 * r.totalBefore(),
                "non-prunable cost should be small but counted, was " + r.nonPrunable());
    }

    @Test
    void poolerMacsCountOnlyWhenThePoolerRuns() {
        ModelConfig cls = tiny().withHead(Pooling.CLS, 2, List.of());
        // 5 LayerNorms of 2·3·8 and the classifier; the pooler weights exist but the classifier does not read them
        assertEquals(240.0 + 16, FlopModel.of(cls, 3, true).nonPrunableMacs());
        assertEquals(FlopModel.of(cls, 3, true).nonPrunableParams(), FlopModel.of(cls, 3, false).nonPrunableParams()
                + 8 * 8 + 8);
    }

    @Test
    void rejectsNonPositiveOrNonFiniteTokensPerSequenceNamingTheValue() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FlopModel.of(tiny(), bad));
            assertTrue(e.getMessage().contains("tokens_per_sequence") && e.getMessage().contains(String.valueOf(bad)),
                    e.getMessage());
        }
    }

    @Test
    void rejectsTokenLengthOutOfRangeNamingItsIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlopModel.fromLengths(tiny(), new int[] {3, 0, 4}));
        assertTrue(e.getMessage().contains("[1]") && e.getMessage().contains("was 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlopModel.fromLengths(tiny(), new int[] {17}));
        assertTrue(e.getMessage().contains("was 17"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlopModel.fromLengths(tiny(), new int[0]));
    }

    @Test
    void rejectsMaskOfAnotherShapeNamingBothShapes() {
        FlopModel flops = FlopModel.of(tiny(), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> flops.report(UnitMask.all(2, 2, 6)));
        assertTrue(e.getMessage().contains("2 x 6") && e.getMessage().contains("2 x 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> flops.report(new int[] {2, 3}, new int[] {5, 5}));
        assertTrue(e.getMessage().contains("heads_per_layer[1]") && e.getMessage().contains("was 3"),
                e.getMessage());
    }

    private static long layoutParams(ModelConfig config, boolean pooler) {
        long n = 0;
        for (long[] shape : TensorLayout.expected(config, pooler).values()) {
            long p = 1;
            for (long dim : shape) {
                p *= dim;
            }
            n += p;
        }
        return n;
    }
}
