package dev.optinfleet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * Issue 2's benchmark: MiniLM forward throughput at batch 32 x seq 128 on the default engine, next to a plain
 * matmul of the same engine at the FFN's shape and next to ONNX Runtime running the original ONNX file on the same
 * tokens. Prints the ratios.
 */
public final class ForwardBenchmark {
    public static void main(String[] args) throws Exception {
        int batch = 32;
        int seq = 128;
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        Path onnx = BundledModels.MINILM_L6.onnx(models);
        Checkpoint checkpoint = CheckpointLoader.load(onnx);
        ModelConfig c = checkpoint.config();
        TokenBatch tokens = randomTokens(batch, seq, c.vocabSize());
        double flops = forwardFlops(c, batch, seq);
        try (Encoder encoder = Encoder.load(checkpoint)) {
            double forward = Timer.medianSeconds(6, 7, () -> {
                try (NDManager scope = encoder.newScope()) {
                    encoder.forward(scope, tokens).hidden().toFloatArray();
                }
            });
            double matmul;
            int m = batch * seq;
            try (NDManager scope = encoder.newScope()) {
                NDArray a = scope.randomNormal(new Shape(m, c.hiddenSize()));
                NDArray b = scope.randomNormal(new Shape(c.hiddenSize(), c.intermediateSize()));
                matmul = Timer.medianSeconds(6, 10, () -> {
                    try (NDManager inner = scope.newSubManager()) {
                        NDArray r = a.matMul(b);
                        r.attach(inner);
                        r.getFloat(0, 0);
                    }
                });
            }
            double matmulRate = 2.0 * m * c.hiddenSize() * c.intermediateSize() / matmul / 1e9;
            double forwardRate = flops / forward / 1e9;
            double ort = ortSeconds(onnx, tokens);
            System.out.printf("engine                 %s, %d threads available%n", encoder.engineName(),
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("model                  %s (L=%d, d=%d, H=%d, F=%d)%n", onnx.getFileName(),
                    c.numLayers(), c.hiddenSize(), c.numHeads(), c.intermediateSize());
            System.out.printf("shape                  batch %d x seq %d = %d tokens, %.1f GFLOP per forward%n", batch,
                    seq, batch * seq, flops / 1e9);
            System.out.printf("core forward           %.3f s  %8.0f tokens/s  %6.1f GFLOP/s%n", forward,
                    batch * seq / forward, forwardRate);
            System.out.printf("engine matmul          [%d x %d] x [%d x %d]  %6.1f GFLOP/s%n", m, c.hiddenSize(),
                    c.hiddenSize(), c.intermediateSize(), matmulRate);
            System.out.printf("ONNX Runtime forward   %.3f s  %8.0f tokens/s%n", ort, batch * seq / ort);
            System.out.printf("ratio forward/matmul   %.2f  (goal >= 0.50)%n", forwardRate / matmulRate);
            System.out.printf("ratio core/ORT speed   %.2f%n", ort / forward);
        }
    }

    /** 2 FLOPs per multiply-accumulate: Q/K/V/O (4·d²), FFN (2·d·F) per token, scores and context (2·S·d). */
    static double forwardFlops(ModelConfig c, int batch, int seq) {
        double tokens = (double) batch * seq;
        double d = c.hiddenSize();
        double perLayer = tokens * (4 * d * d + 2 * d * c.intermediateSize()) + 2.0 * batch * seq * seq * d;
        return 2 * perLayer * c.numLayers();
    }

    static TokenBatch randomTokens(int batch, int seq, int vocab) {
        Random rnd = new Random(1);
        long[] ids = new long[batch * seq];
        long[] mask = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % seq == 0 ? 101 : 1000 + rnd.nextInt(vocab - 1000);
            mask[i] = 1;
        }
        return new TokenBatch(batch, seq, ids, new long[ids.length], mask, 0);
    }

    static double ortSeconds(Path onnx, TokenBatch tokens) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            try (OrtSession session = env.createSession(onnx.toString(), options)) {
                long[] shape = {tokens.size(), tokens.sequenceLength()};
                try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.ids()), shape);
                     OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.attentionMask()), shape);
                     OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.typeIds()), shape)) {
                    Map<String, OnnxTensor> inputs = Map.of("input_ids", ids, "attention_mask", mask,
                            "token_type_ids", types);
                    return Timer.medianSeconds(4, 7, () -> {
                        try (OrtSession.Result r = session.run(inputs)) {
                            r.get(0);
                        }
                    });
                }
            }
        }
    }
}
