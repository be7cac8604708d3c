package dev.optinfleet.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gates mean what optin.md says, checked against checkpoints edited by hand: removing a head equals zeroing
 * its slice of the output projection's input, removing a neuron equals zeroing its row of the first FFN linear.
 */
class EncoderMaskSemanticsTest {
    private static final float TOLERANCE = 1e-5f;
    private static final ModelConfig CONFIG = TinyModels.config();
    private static final TokenBatch BATCH = TinyModels.batch(5, 9, CONFIG.vocabSize(), 7);

    @Test
    void removingAHeadEqualsZeroingItsSliceOfTheOutputProjection() {
        int layer = 1;
        int head = 2;
        int dh = CONFIG.headDim();
        String wo = TensorNames.attentionOutput(layer, "weight");
        Checkpoint edited = TinyModels.random(CONFIG, 11, t -> {
            if (!t.name().equals(wo)) {
                return t;
            }
            float[] data = t.data().clone();
            int in = (int) t.dim(1);
            for (int row = 0; row < t.dim(0); row++) {
                for (int c = head * dh; c < (head + 1) * dh; c++) {
                    data[row * in + c] = 0f;
                }
            }
            return new FloatTensor(t.name(), t.shape(), data);
        });
        UnitMask mask = UnitMask.all(3, 4, 24).withoutHead(layer, head);
        assertMaskedEqualsEdited(mask, edited);
    }

    @Test
    void removingANeuronEqualsZeroingItsFirstLinearRowAndBias() {
        int layer = 2;
        int neuron = 5;
        String w1 = TensorNames.intermediate(layer, "weight");
        String b1 = TensorNames.intermediate(layer, "bias");
        // GELU(0) = 0, so a neuron whose pre-activation is forced to 0 contributes nothing.
        UnaryOperator<FloatTensor> zeroRow = t -> {
            if (t.name().equals(w1)) {
                float[] data = t.data().clone();
                int in = (int) t.dim(1);
                java.util.Arrays.fill(data, neuron * in, (neuron + 1) * in, 0f);
                return new FloatTensor(t.name(), t.shape(), data);
            }
            if (t.name().equals(b1)) {
                float[] data = t.data().clone();
                data[neuron] = 0f;
                return new FloatTensor(t.name(), t.shape(), data);
            }
            return t;
        };
        UnitMask mask = UnitMask.all(3, 4, 24).withoutNeuron(layer, neuron);
        assertMaskedEqualsEdited(mask, TinyModels.random(CONFIG, 11, zeroRow));
    }

    @Test
    void allOnesMaskChangesNothing() {
        Checkpoint c = TinyModels.random(CONFIG, 11);
        try (Encoder enc = Encoder.load(c); NDManager scope = enc.newScope()) {
            EncoderOutput plain = enc.forward(scope, BATCH);
            EncoderOutput gated = enc.forward(scope, BATCH, MaskGates.of(scope, CONFIG, UnitMask.all(3, 4, 24)),
                    true);
            Gates ones = new Gates() {
                @Override
                public NDArray heads(int layer) {
                    return scope.ones(new ai.djl.ndarray.types.Shape(4));
                }

                @Override
                public NDArray neurons(int layer) {
                    return scope.ones(new ai.djl.ndarray.types.Shape(24));
                }
            };
            EncoderOutput explicitOnes = enc.forward(scope, BATCH, ones, true);
            assertEquals(0f, maxAbsDiff(plain.logits(), gated.logits()));
            assertEquals(0f, maxAbsDiff(plain.hidden(), explicitOnes.hidden()));
        }
    }

    @Test
    void removingAHeadChangesTheOutput() {
        Checkpoint c = TinyModels.random(CONFIG, 11);
        try (Encoder enc = Encoder.load(c); NDManager scope = enc.newScope()) {
            EncoderOutput plain = enc.forward(scope, BATCH);
            EncoderOutput masked = enc.forward(scope, BATCH,
                    MaskGates.of(scope, CONFIG, UnitMask.all(3, 4, 24).withoutHead(0, 0)), false);
            assertTrue(maxAbsDiff(plain.hidden(), masked.hidden()) > 1e-3f,
                    "a removed head must change the hidden states");
        }
    }

    @Test
    void perRowGatesEqualSeparatePasses() {
        Checkpoint c = TinyModels.random(CONFIG, 11);
        try (Encoder enc = Encoder.load(c); NDManager scope = enc.newScope()) {
            TokenBatch one = BATCH.rows(0, 2);
            // Two copies of the same 2 rows: copy 0 without head (1,3), copy 1 without neuron (1,7).
            TokenBatch twice = concat(one, one);
            float[] hg = new float[4 * 4];
            java.util.Arrays.fill(hg, 1f);
            hg[3] = 0f;
            hg[7] = 0f;
            float[] ng = new float[4 * 24];
            java.util.Arrays.fill(ng, 1f);
            ng[2 * 24 + 7] = 0f;
            ng[3 * 24 + 7] = 0f;
            NDArray headRows = scope.create(hg, new ai.djl.ndarray.types.Shape(4, 4));
            NDArray neuronRows = scope.create(ng, new ai.djl.ndarray.types.Shape(4, 24));
            Gates rowGates = new Gates() {
                @Override
                public NDArray heads(int layer) {
                    return layer == 1 ? headRows : null;
                }

                @Override
                public NDArray neurons(int layer) {
                    return layer == 1 ? neuronRows : null;
                }
            };
            NDArray batched = enc.forward(scope, twice, rowGates, false).logits();
            NDArray a = enc.forward(scope, one, MaskGates.of(scope, CONFIG, UnitMask.all(3, 4, 24)
                    .withoutHead(1, 3)), false).logits();
            NDArray b = enc.forward(scope, one, MaskGates.of(scope, CONFIG, UnitMask.all(3, 4, 24)
                    .withoutNeuron(1, 7)), false).logits();
            assertTrue(maxAbsDiff(batched, a.concat(b, 0)) < TOLERANCE);
        }
    }

    private static TokenBatch concat(TokenBatch x, TokenBatch y) {
        long[] ids = new long[x.ids().length + y.ids().length];
        long[] types = new long[ids.length];
        long[] mask = new long[ids.length];
        System.arraycopy(x.ids(), 0, ids, 0, x.ids().length);
        System.arraycopy(y.ids(), 0, ids, x.ids().length, y.ids().length);
        System.arraycopy(x.typeIds(), 0, types, 0, x.ids().length);
        System.arraycopy(y.typeIds(), 0, types, x.ids().length, y.ids().length);
        System.arraycopy(x.attentionMask(), 0, mask, 0, x.ids().length);
        System.arraycopy(y.attentionMask(), 0, mask, x.ids().length, y.ids().length);
        return new TokenBatch(x.size() + y.size(), x.sequenceLength(), ids, types, mask, 0);
    }

    private static void assertMaskedEqualsEdited(UnitMask mask, Checkpoint edited) {
        Checkpoint original = TinyModels.random(CONFIG, 11);
        try (Encoder full = Encoder.load(original); Encoder hand = Encoder.load(edited);
             NDManager scope = full.newScope()) {
            EncoderOutput masked = full.forward(scope, BATCH, MaskGates.of(scope, CONFIG, mask), true);
            EncoderOutput reference = hand.forward(scope, BATCH, Gates.NONE, true);
            assertTrue(maxAbsDiff(masked.logits(), reference.logits()) < TOLERANCE);
            assertTrue(maxAbsDiff(masked.hidden(), reference.hidden()) < TOLERANCE);
            for (int l = 0; l < CONFIG.numLayers(); l++) {
                assertTrue(maxAbsDiff(masked.features().get(l), reference.features().get(l)) < TOLERANCE,
                        "feature of layer " + l);
            }
            // The masked model must differ from the unmasked one, or the comparison proves nothing.
            EncoderOutput dense = full.forward(scope, BATCH);
            assertTrue(maxAbsDiff(dense.logits(), masked.logits()) > 1e-4f);
        }
    }

    static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
