package dev.optinfleet.core.model;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.testing.RealModels;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java encoder against ONNX Runtime running the original MiniLM file: the golden reference. */
class RealModelParityTest {
    /** Both run float32; observed differences are a few 1e-6. */
    private static final float TOLERANCE = 1e-4f;
    private static TokenBatch batch;
    private static float[] golden;

    @BeforeAll
    static void goldenOutputs() throws Exception {
        List<String> sentences = RealModels.sentences();
        try (TextTokenizer tokenizer = RealModels.miniLmTokenizerInstance()) {
            batch = tokenizer.encode(sentences);
        }
        assertTrue(batch.size() >= 20);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(RealModels.miniLmOnnx().toString(),
                new OrtSession.SessionOptions())) {
            long[] shape = {batch.size(), batch.sequenceLength()};
            try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.ids()), shape);
                 OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), shape);
                 OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.typeIds()), shape);
                 OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask,
                         "token_type_ids", types))) {
                float[][][] out = (float[][][]) r.get(0).getValue();
                int d = out[0][0].length;
                golden = new float[batch.size() * batch.sequenceLength() * d];
                for (int b = 0; b < out.length; b++) {
                    for (int s = 0; s < out[b].length; s++) {
                        System.arraycopy(out[b][s], 0, golden, (b * batch.sequenceLength() + s) * d, d);
                    }
                }
            }
        }
    }

    @Test
    void importedOnnxMatchesOnnxRuntimeOnRealSentences() {
        assertMatchesGolden(RealModels.miniLm());
    }

    @Test
    void safetensorsRoundTripMatchesOnnxRuntime(@TempDir Path dir) {
        CheckpointWriter.write(RealModels.miniLm(), dir, RealModels.miniLmTokenizer());
        assertMatchesGolden(HfCheckpointReader.read(dir));
    }

    private static void assertMatchesGolden(Checkpoint checkpoint) {
        try (Encoder enc = Encoder.load(checkpoint); NDManager scope = enc.newScope()) {
            float[] hidden = enc.forward(scope, batch).hidden().toFloatArray();
            int d = checkpoint.config().hiddenSize();
            float max = 0;
            int compared = 0;
            for (int b = 0; b < batch.size(); b++) {
                for (int s = 0; s < batch.sequenceLength(); s++) {
                    if (!batch.isToken(b, s)) {
                        continue;
                    }
                    int off = (b * batch.sequenceLength() + s) * d;
                    for (int i = 0; i < d; i++) {
                        max = Math.max(max, Math.abs(hidden[off + i] - golden[off + i]));
                    }
                    compared++;
                }
            }
            assertTrue(compared > 200, "compared " + compared + " tokens");
            assertTrue(max <= TOLERANCE, "max abs difference " + max + " on non-padding tokens");
        }
    }
}
