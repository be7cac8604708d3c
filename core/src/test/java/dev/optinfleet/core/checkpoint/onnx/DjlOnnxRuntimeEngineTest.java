package dev.optinfleet.core.checkpoint.onnx;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DJL users load model.onnx with DJL's own ONNX Runtime engine ({@code ai.djl.onnxruntime}) and get our outputs. */
class DjlOnnxRuntimeEngineTest {
    private static final float TOLERANCE = 1e-4f;

    @Test
    void djlOnnxRuntimeEngineLoadsAPrunedExportAndRunsItLikeTheEncoder(@TempDir Path dir) throws Exception {
        ModelConfig config = TinyModels.config();
        UnitMask mask = UnitMask.all(config.numLayers(), config.numHeads(), config.intermediateSize());
        for (int h = 0; h < config.numHeads(); h++) {
            mask = mask.withoutHead(0, h);
        }
        for (int i = 0; i < config.intermediateSize(); i += 3) {
            mask = mask.withoutNeuron(1, i);
        }
        Checkpoint pruned = CheckpointSlicer.slice(TinyModels.random(config, 21), mask);
        OnnxExporter.export(pruned, dir);
        TokenBatch batch = TinyModels.batch(3, 8, config.vocabSize(), 2);

        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(dir).optModelName("model").optEngine("OnnxRuntime").build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
             Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager inputs = model.getNDManager().newSubManager();
             Encoder enc = Encoder.load(pruned); NDManager scope = enc.newScope()) {
            assertEquals("OnnxRuntime", model.getNDManager().getEngine().getEngineName());
            assertEquals("PyTorch", enc.engineName(), "the engine on the class path must not change the default");
            Shape shape = new Shape(batch.size(), batch.sequenceLength());
            NDArray ids = inputs.create(batch.ids(), shape);
            ids.setName(OnnxExporter.INPUT_IDS);
            NDArray attention = inputs.create(batch.attentionMask(), shape);
            attention.setName(OnnxExporter.ATTENTION_MASK);
            NDArray types = inputs.create(batch.typeIds(), shape);
            types.setName(OnnxExporter.TOKEN_TYPE_IDS);
            NDList out = predictor.predict(new NDList(ids, attention, types));

            EncoderOutput want = enc.forward(scope, batch);
            assertClose(want.hidden().toFloatArray(), out.get(OnnxExporter.LAST_HIDDEN_STATE).toFloatArray());
            assertClose(want.logits().toFloatArray(), out.get(OnnxExporter.LOGITS).toFloatArray());
        }
    }

    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        float max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i] - got[i]));
        }
        assertTrue(max <= TOLERANCE, "max abs difference " + max);
    }
}
