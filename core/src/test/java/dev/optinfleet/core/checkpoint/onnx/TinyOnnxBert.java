package dev.optinfleet.core.checkpoint.onnx;

import com.google.protobuf.ByteString;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.AttributeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.GraphProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ModelProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.NodeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ValueInfoProto;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.TensorNames;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Builds a one-layer BERT encoder graph (vocab 11, d 8, 2 heads of 4, F 12, 16 positions, 2 token types) with
 * the generated ONNX protobuf classes, in a form unlike the MiniLM export: {@code LayerNormalization} nodes,
 * value/query/key projections declared in that order, a Reshape whose head count is -1 (so the head size must
 * come from the 0.5 = 1/sqrt(4) score scaling) and opaque initializer names. Remembers the Hugging Face tensors
 * it encoded.
 */
final class TinyOnnxBert {
    static final int D = 8;
    static final int F = 12;

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny");
    private final Map<String, FloatTensor> expected = new LinkedHashMap<>();
    private final Random random = new Random(42);
    private int counter;

    /** Which deviations from a proper encoder to build. */
    record Options(boolean withPositions, boolean tanhGelu) {
        static final Options VALID = new Options(true, false);
    }

    static Map<String, FloatTensor> write(Path file, Options options) throws IOException {
        TinyOnnxBert b = new TinyOnnxBert();
        b.build(options);
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("test").setGraph(b.graph).build();
        Files.write(file, model.toByteArray());
        return b.expected;
    }

    /** A graph with one MatMul of an input by a weight: not an encoder. */
    static void writeSingleMatMul(Path file) throws IOException {
        TinyOnnxBert b = new TinyOnnxBert();
        b.graph.addInput(ValueInfoProto.newBuilder().setName("x"));
        String w = b.weight(null, 4, 3, false);
        b.node("MatMul", "y", "x", w);
        b.graph.addOutput(ValueInfoProto.newBuilder().setName("y"));
        Files.write(file, ModelProto.newBuilder().setGraph(b.graph).build().toByteArray());
    }

    private void build(Options o) {
        graph.addInput(ValueInfoProto.newBuilder().setName("input_ids"));
        graph.addInput(ValueInfoProto.newBuilder().setName("token_type_ids"));
        String words = node("Gather", "we", weight(TensorNames.WORD_EMBEDDINGS, 11, D, false), "input_ids");
        String types = node("Gather", "te", weight(TensorNames.TOKEN_TYPE_EMBEDDINGS, 2, D, false),
                "token_type_ids");
        String sum = node("Add", "e1", words, types);
        if (o.withPositions()) {
            String ids = longs("pos_ids", new long[] {1, 4}, 0, 1, 2, 3);
            String positions = node("Gather", "pe", weight(TensorNames.POSITION_EMBEDDINGS, 16, D, false), ids);
            sum = node("Add", "e2", sum, positions);
        }
        String x = layerNorm(sum, TensorNames.EMBEDDINGS_LN_WEIGHT, TensorNames.EMBEDDINGS_LN_BIAS);

        String shape4 = longs("shape4", new long[] {4}, 0, 0, -1, 4);
        String v = heads(linear(x, D, D, TensorNames.value(0, "weight"), TensorNames.value(0, "bias")), shape4,
                0, 2, 1, 3);
        String q = heads(linear(x, D, D, TensorNames.query(0, "weight"), TensorNames.query(0, "bias")), shape4,
                0, 2, 1, 3);
        String k = heads(linear(x, D, D, TensorNames.key(0, "weight"), TensorNames.key(0, "bias")), shape4,
                0, 2, 3, 1);
        String scores = node("MatMul", "scores", q, k);
        String scaled = node("Mul", "scaled", scores, floatScalar(0.5f));
        String probs = node("Softmax", "probs", scaled);
        String context = node("MatMul", "context", probs, v);
        NodeProto.Builder t = NodeProto.newBuilder().setOpType("Transpose").addInput(context).addOutput("ctx_t")
                .addAttribute(AttributeProto.newBuilder().setName("perm").addAllInts(java.util.List.of(0L, 2L, 1L, 3L)));
        graph.addNode(t);
        String merged = node("Reshape", "ctx", "ctx_t", longs("shape3", new long[] {3}, 0, 0, D));
        String attn = linear(merged, D, D, TensorNames.attentionOutput(0, "weight"),
                TensorNames.attentionOutput(0, "bias"));
        String x1 = layerNorm(node("Add", "res1", attn, x), TensorNames.attentionLayerNorm(0, "weight"),
                TensorNames.attentionLayerNorm(0, "bias"));

        String h = linear(x1, D, F, TensorNames.intermediate(0, "weight"), TensorNames.intermediate(0, "bias"));
        String act;
        if (o.tanhGelu()) {
            act = node("Mul", "act", h, node("Tanh", "th", h));
        } else {
            String erf = node("Erf", "erf", node("Div", "hdiv", h, floatScalar(1.4142135f)));
            act = node("Mul", "act", node("Mul", "hm", h, node("Add", "erf1", erf, floatScalar(1f))),
                    floatScalar(0.5f));
        }
        String out = linear(act, F, D, TensorNames.output(0, "weight"), TensorNames.output(0, "bias"));
        String last = layerNorm(node("Add", "res2", out, x1), TensorNames.outputLayerNorm(0, "weight"),
                TensorNames.outputLayerNorm(0, "bias"));
        graph.addOutput(ValueInfoProto.newBuilder().setName(last));
    }

    private String heads(String projected, String shape, long... perm) {
        String split = node("Reshape", projected + "_4d", projected, shape);
        graph.addNode(NodeProto.newBuilder().setOpType("Transpose").addInput(split).addOutput(split + "_t")
                .addAttribute(AttributeProto.newBuilder().setName("perm")
                        .addAllInts(java.util.Arrays.stream(perm).boxed().toList())));
        return split + "_t";
    }

    /** x·W + b with W stored [in, out] under an opaque name; remembers W as [out, in]. */
    private String linear(String x, int in, int out, String weightName, String biasName) {
        String w = weight(weightName, in, out, true);
        String b = weight(biasName, out, -1, false);
        String product = node("MatMul", "mm" + counter, x, w);
        return node("Add", "lin" + counter, b, product);
    }

    private String layerNorm(String x, String gammaName, String betaName) {
        String gamma = weight(gammaName, D, -1, false);
        String beta = weight(betaName, D, -1, false);
        String y = "ln" + (counter++);
        graph.addNode(NodeProto.newBuilder().setOpType("LayerNormalization").addInput(x).addInput(gamma)
                .addInput(beta).addOutput(y)
                .addAttribute(AttributeProto.newBuilder().setName("epsilon").setF(1e-12f))
                .addAttribute(AttributeProto.newBuilder().setName("axis").setI(-1)));
        return y;
    }

    /** A random float initializer [rows, cols] (or [rows] when cols < 0) named opaquely. */
    private String weight(String hfName, int rows, int cols, boolean linear) {
        int n = cols < 0 ? rows : rows * cols;
        float[] values = new float[n];
        ByteBuffer raw = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
            raw.putFloat(values[i]);
        }
        String name = "onnx::W_" + (counter++);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).addDims(rows)
                .setRawData(ByteString.copyFrom(raw.array()));
        long[] shape = cols < 0 ? new long[] {rows} : new long[] {rows, cols};
        if (cols >= 0) {
            t.addDims(cols);
        }
        graph.addInitializer(t);
        if (hfName != null) {
            FloatTensor stored = new FloatTensor(hfName, shape, values);
            expected.put(hfName, linear ? stored.transposed() : stored);
        }
        return name;
    }

    private String longs(String name, long[] dims, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    private String floatScalar(float value) {
        String out = "const" + (counter++);
        graph.addNode(NodeProto.newBuilder().setOpType("Constant").addOutput(out)
                .addAttribute(AttributeProto.newBuilder().setName("value").setT(
                        TensorProto.newBuilder().setDataType(1).addFloatData(value))));
        return out;
    }

    private String node(String op, String output, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName("/" + op + "_" + output).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        graph.addNode(n);
        return output;
    }
}
