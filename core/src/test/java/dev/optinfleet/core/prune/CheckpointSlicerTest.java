package dev.optinfleet.core.prune;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointSlicerTest {
    private static final float TOLERANCE = 1e-5f;

    @Test
    void slicedModelEqualsMaskedModelIncludingEmptyLayers() {
        ModelConfig config = TinyModels.config();
        Checkpoint dense = TinyModels.random(config, 3);
        Random rnd = new Random(5);
        boolean[][] heads = new boolean[3][4];
        boolean[][] neurons = new boolean[3][24];
        for (int l = 0; l < 3; l++) {
            for (int h = 0; h < 4; h++) {
                heads[l][h] = l != 1 && rnd.nextBoolean(); // layer 1 loses every head
            }
            for (int i = 0; i < 24; i++) {
                neurons[l][i] = l != 2 && rnd.nextDouble() < 0.6; // layer 2 loses every neuron
            }
        }
        UnitMask mask = new UnitMask(heads, neurons);
        Checkpoint sliced = CheckpointSlicer.slice(dense, mask);
        assertArrayEquals(new int[] {mask.keptHeads(0).length, 0, mask.keptHeads(2).length},
                sliced.config().headsPerLayer());
        assertArrayEquals(new int[] {mask.keptNeurons(0).length, mask.keptNeurons(1).length, 0},
                sliced.config().intermediatePerLayer());
        assertTrue(sliced.parameterCount() < dense.parameterCount());

        TokenBatch batch = TinyModels.batch(4, 10, config.vocabSize(), 9);
        try (Encoder full = Encoder.load(dense); Encoder small = Encoder.load(sliced);
             NDManager scope = full.newScope()) {
            EncoderOutput masked = full.forward(scope, batch, MaskGates.of(scope, config, mask), true);
            EncoderOutput physical = small.forward(scope, batch, dev.optinfleet.core.model.Gates.NONE, true);
            assertTrue(masked.logits().sub(physical.logits()).abs().max().getFloat() < TOLERANCE);
            assertTrue(masked.hidden().sub(physical.hidden()).abs().max().getFloat() < TOLERANCE);
        }
    }

    @Test
    void rejectsMaskOfOtherShape() {
        Checkpoint dense = TinyModels.random(TinyModels.config(), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointSlicer.slice(dense, UnitMask.all(3, 5, 24)));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }
}
