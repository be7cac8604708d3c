package dev.optinfleet.core.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an ONNX file in ONNX Runtime (the independent reference) on a token batch and returns every float output,
 * flattened row-major, by output name.
 */
public final class OnnxRuntimeRunner {
    private OnnxRuntimeRunner() {
    }

    public static Map<String, float[]> run(Path model, TokenBatch batch) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(model.toString(), options)) {
            long[] shape = {batch.size(), batch.sequenceLength()};
            try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.ids()), shape);
                 OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), shape);
                 OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.typeIds()), shape);
                 OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask,
                         "token_type_ids", types))) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : r) {
                    FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                    float[] values = new float[b.remaining()];
                    b.get(values);
                    out.put(e.getKey(), values);
                }
                return out;
            }
        }
    }
}
