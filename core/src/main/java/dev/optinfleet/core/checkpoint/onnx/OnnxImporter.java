package dev.optinfleet.core.checkpoint.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.AttributeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ModelProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.NodeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Imports the weights of an ONNX export of a BERT-family encoder (e.g. {@code torch.onnx.export} of a Hugging
 * Face {@code BertModel}) as a {@link Checkpoint} in Hugging Face naming and layout.
 *
 * <p>Initializer names are not trusted (exporters name transposed matrices {@code onnx::MatMul_787}); every
 * initializer is identified by the nodes that consume it, walking the residual stream:
 * <ol>
 *   <li>embeddings: {@code Gather}s of [rows, d] initializers indexed by {@code input_ids} (words),
 *       {@code token_type_ids} (token types) and position ids (a constant slice or {@code position_ids}); their sum
 *       feeds a LayerNorm;</li>
 *   <li>each layer: the hidden state x [B, S, d] feeds three {@code MatMul}s with [d, n] weights (+ bias). The
 *       two whose paths meet in the score product Q·Kᵀ are query (left operand) and key (right); the third,
 *       which meets the softmax output, is value. The context product then reaches the output projection [n, d]
 *       (+ bias), a residual Add with x and a LayerNorm; then the FFN [d, f] (+ bias), an erf GELU, [f, d]
 *       (+ bias), a residual Add and a LayerNorm, whose output is the next x;</li>
 *   <li>LayerNorm is matched as a {@code LayerNormalization} node or the decomposed
 *       ReduceMean/Sub/Pow/ReduceMean/Add(ε)/Sqrt/Div/Mul(γ)/Add(β) pattern that torch exports.</li>
 * </ol>
 * MatMul weights are stored [in, out] in ONNX and transposed to Hugging Face's [out, in]. The head size d_h comes
 * from the constant in the query's Reshape to [B, S, h, d_h] and/or from the score scaling constant
 * 1/√d_h; when both are present they must agree. H = d / d_h, and a layer with n = h_l·d_h keeps h_l heads.
 *
 * <p>The imported model has no classifier (numLabels 0) and pooling {@link Pooling#MEAN}, as sentence-transformers
 * models are used. Pooler/classifier nodes in the graph, if any, are not imported (see
 * {@link Result#unusedInitializers()}). A graph that does not have this structure is rejected with a
 * {@link CheckpointFormatException} that names the file and says what is missing.
 */
public final class OnnxImporter {
    private static final Set<String> INDEX_PASS_THROUGH =
            Set.of("Cast", "Unsqueeze", "Squeeze", "Reshape", "Identity", "Expand", "Slice");
    private static final int MAX_REACH = 2_000;

    private OnnxImporter() {
    }

    /**
     * An import with its provenance.
     *
     * @param checkpoint          the weights, Hugging Face naming and layout
     * @param initializerToTensor ONNX initializer name to the canonical tensor name it became (each once)
     * @param unusedInitializers  initializers not imported (e.g. the int64 {@code position_ids} buffer), sorted
     */
    public record Result(Checkpoint checkpoint, Map<String, String> initializerToTensor,
                         List<String> unusedInitializers) {
        public Result {
            initializerToTensor = Collections.unmodifiableMap(new LinkedHashMap<>(initializerToTensor));
            unusedInitializers = List.copyOf(unusedInitializers);
        }
    }

    /** Imports the model; the checkpoint is named after the file without {@code .onnx}. */
    public static Checkpoint read(Path onnxFile) {
        return readWithMapping(onnxFile).checkpoint();
    }

    /**
     * Imports the model and reports which initializer became which tensor.
     *
     * @throws CheckpointFormatException naming the file when it is not an ONNX model of a BERT-family encoder
     * @throws UncheckedIOException      when the file cannot be read
     */
    public static Result readWithMapping(Path onnxFile) {
        String source = onnxFile.toString();
        ModelProto model = parse(onnxFile);
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new CheckpointFormatException(source, null, "has no graph nodes; it is not an ONNX model");
        }
        OnnxGraph graph = new OnnxGraph(source, model.getGraph());
        String fileName = onnxFile.getFileName().toString();
        String name = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
        return new Walk(graph).run(name);
    }

    private static ModelProto parse(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(file.toString(), null, "is " + size + " bytes; ONNX files over"
                        + " 2 GB keep weights as external data, which is not supported");
            }
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            CodedInputStream in = CodedInputStream.newInstance(mapped);
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            return ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new CheckpointFormatException(file.toString(), null, "is not an ONNX model (protobuf parse failed: "
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A linear layer found in the graph: x·W + b with W [in, out]. */
    private record Linear(NodeProto matMul, String weight, String bias, String output, long in, long out) {
    }

    /** A LayerNorm found in the graph. */
    private record LayerNorm(String gamma, String beta, float eps, String output) {
    }

    /** Nodes and values forward-reachable from a value, not expanding through MatMul/Gemm/Shape. */
    private record Reach(Set<NodeProto> nodes, Set<String> values) {
    }

    /** One import; single-threaded, discarded afterwards. */
    private static final class Walk {
        private final OnnxGraph g;
        private final String source;
        private final Map<String, String> mapping = new LinkedHashMap<>();
        private final Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        private Float eps;

        Walk(OnnxGraph g) {
            this.g = g;
            this.source = g.source();
        }

        Result run(String name) {
            // 1. Embeddings.
            List<NodeProto> lookups = new ArrayList<>();
            for (NodeProto n : g.nodes()) {
                if (n.getOpType().equals("Gather") && n.getInputCount() == 2) {
                    TensorProto t = g.floatInitializer(n.getInput(0));
                    AttributeProto axis = OnnxGraph.attribute(n, "axis");
                    if (t != null && t.getDimsCount() == 2 && (axis == null || axis.getI() == 0)) {
                        lookups.add(n);
                    }
                }
            }
            NodeProto word = findWordLookup(lookups);
            long d = dimsOf(word.getInput(0))[1];
            NodeProto type = null;
            NodeProto position = null;
            List<NodeProto> others = new ArrayList<>();
            for (NodeProto n : lookups) {
                if (n != word && dimsOf(n.getInput(0))[1] == d && !n.getInput(0).equals(word.getInput(0))) {
                    others.add(n);
                    String in = indexSource(n.getInput(1));
                    if ("token_type_ids".equals(in)) {
                        type = n;
                    } else if (in == null || "position_ids".equals(in)) {
                        position = position == null ? n : position;
                    }
                }
            }
            if ((type == null || position == null) && others.size() == 2) {
                // No telling names: positions have more rows than token types.
                others.sort((a, b) -> Long.compare(dimsOf(a.getInput(0))[0], dimsOf(b.getInput(0))[0]));
                type = others.get(0);
                position = others.get(1);
            }
            if (position == null) {
                throw notEncoder("no position-embedding lookup (a Gather of a [positions, " + d
                        + "] initializer by position ids)");
            }
            if (type == null) {
                throw notEncoder("no token-type-embedding lookup (a Gather of a [types, " + d
                        + "] initializer by token_type_ids)");
            }
            LayerNorm embLn = embeddingsLayerNorm(word, position, type);
            assign(word.getInput(0), TensorNames.WORD_EMBEDDINGS, false);
            assign(position.getInput(0), TensorNames.POSITION_EMBEDDINGS, false);
            assign(type.getInput(0), TensorNames.TOKEN_TYPE_EMBEDDINGS, false);
            assignLayerNorm(embLn, TensorNames.EMBEDDINGS_LN_WEIGHT, TensorNames.EMBEDDINGS_LN_BIAS, d);

            // 2. Layers.
            String x = embLn.output();
            List<Long> projectionWidths = new ArrayList<>();
            List<Long> ffnWidths = new ArrayList<>();
            long headDim = -1;
            for (int l = 0; ; l++) {
                List<Linear> qkv = new ArrayList<>();
                for (NodeProto n : g.consumers(x, "MatMul")) {
                    if (n.getInput(0).equals(x) && weightOf(n) != null) {
                        qkv.add(linear(l, n, d, -1));
                    }
                }
                if (qkv.isEmpty()) {
                    if (l == 0) {
                        throw notEncoder("no attention layer follows the embeddings' LayerNorm");
                    }
                    break;
                }
                if (qkv.size() != 3) {
                    throw notEncoder("layer " + l + ": the hidden state feeds " + qkv.size()
                            + " weight products; a BERT attention block has 3 (query, key, value)");
                }
                long layerHeadDim = attention(l, x, qkv, d);
                if (headDim > 0 && layerHeadDim != headDim) {
                    throw notEncoder("layer " + l + " has head size " + layerHeadDim + " but earlier layers "
                            + headDim);
                }
                headDim = layerHeadDim;
                projectionWidths.add(qkv.get(0).out());
                x = afterAttention(l, x, qkv, d);
                long[] ffn = new long[1];
                x = feedForward(l, x, d, ffn);
                ffnWidths.add(ffn[0]);
            }

            // 3. Config.
            int layers = projectionWidths.size();
            int numHeads = Math.toIntExact(d / headDim);
            int[] heads = new int[layers];
            int[] neurons = new int[layers];
            int intermediate = 0;
            for (int l = 0; l < layers; l++) {
                heads[l] = Math.toIntExact(projectionWidths.get(l) / headDim);
                neurons[l] = Math.toIntExact(ffnWidths.get(l));
                intermediate = Math.max(intermediate, neurons[l]);
            }
            double layerNormEps = Double.parseDouble(Float.toString(eps));
            ModelConfig config;
            try {
                config = new ModelConfig("bert", Math.toIntExact(dimsOf(word.getInput(0))[0]), Math.toIntExact(d),
                        layers, numHeads, intermediate, heads, neurons,
                        Math.toIntExact(dimsOf(position.getInput(0))[0]),
                        Math.toIntExact(dimsOf(type.getInput(0))[0]), layerNormEps, Pooling.MEAN, 0, List.of());
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(source, null, "inferred an invalid architecture: "
                        + e.getMessage(), e);
            }
            Checkpoint checkpoint = Checkpoint.of(source, name, config, tensors);
            Set<String> unused = new TreeSet<>(g.initializers().keySet());
            unused.removeAll(mapping.keySet());
            return new Result(checkpoint, mapping, new ArrayList<>(unused));
        }

        private NodeProto findWordLookup(List<NodeProto> lookups) {
            NodeProto byName = null;
            NodeProto byFirstInput = null;
            for (NodeProto n : lookups) {
                String in = indexSource(n.getInput(1));
                if ("input_ids".equals(in)) {
                    byName = byName == null ? n : byName;
                } else if (in != null && !in.equals("token_type_ids") && !in.equals("position_ids")
                        && byFirstInput == null) {
                    byFirstInput = n;
                }
            }
            NodeProto word = byName != null ? byName : byFirstInput;
            if (word == null) {
                throw notEncoder("no word-embedding lookup (a Gather of a [vocab, d] initializer by the input_ids"
                        + " graph input)");
            }
            return word;
        }

        /** The graph input an index tensor comes from (through casts, reshapes, slices), or null. */
        private String indexSource(String value) {
            String v = value;
            for (int depth = 0; depth < 16; depth++) {
                if (g.inputs().contains(v)) {
                    return v;
                }
                NodeProto p = g.producer(v);
                if (p == null || !INDEX_PASS_THROUGH.contains(p.getOpType()) || p.getInputCount() == 0) {
                    return null;
                }
                v = p.getInput(0);
            }
            return null;
        }

        private LayerNorm embeddingsLayerNorm(NodeProto word, NodeProto position, NodeProto type) {
            Set<String> summed = new HashSet<>();
            String v = word.getOutput(0);
            LayerNorm ln = null;
            for (int step = 0; step < 4 && ln == null; step++) {
                ln = layerNormAt(v);
                if (ln == null) {
                    List<NodeProto> adds = g.consumers(v, "Add");
                    if (adds.size() != 1) {
                        break;
                    }
                    summed.addAll(adds.get(0).getInputList());
                    v = adds.get(0).getOutput(0);
                }
            }
            if (ln == null) {
                throw notEncoder("the word embeddings are not summed into a LayerNorm");
            }
            if (!summed.contains(position.getOutput(0)) || !summed.contains(type.getOutput(0))) {
                throw notEncoder("the position and token-type embeddings are not added to the word embeddings");
            }
            return ln;
        }

        /**
         * Maps Q, K, V of one layer; returns the head size d_h.
         */
        private long attention(int l, String x, List<Linear> qkv, long d) {
            long n = qkv.get(0).out();
            for (Linear p : qkv) {
                if (p.out() != n) {
                    throw notEncoder("layer " + l + ": query/key/value widths differ (" + qkv.get(0).out() + " vs "
                            + p.out() + ")");
                }
            }
            List<Reach> reaches = new ArrayList<>();
            List<NodeProto> products = new ArrayList<>();
            for (Linear p : qkv) {
                Reach r = forward(p.output());
                List<NodeProto> plain = new ArrayList<>();
                for (NodeProto node : r.nodes()) {
                    if (node.getOpType().equals("MatMul") && weightOf(node) == null) {
                        plain.add(node);
                    }
                }
                if (plain.size() != 1) {
                    throw notEncoder("layer " + l + ": a projection of the hidden state reaches " + plain.size()
                            + " activation products; attention needs exactly one (scores or context)");
                }
                reaches.add(r);
                products.add(plain.get(0));
            }
            int valueIndex = -1;
            for (int i = 0; i < 3; i++) {
                NodeProto a = products.get((i + 1) % 3);
                NodeProto b = products.get((i + 2) % 3);
                if (a == b && products.get(i) != a) {
                    valueIndex = i;
                }
            }
            if (valueIndex < 0) {
                throw notEncoder("layer " + l + ": cannot tell query, key and value apart (no product Q·Kᵀ that"
                        + " two projections share)");
            }
            NodeProto scores = products.get((valueIndex + 1) % 3);
            int queryIndex = -1;
            int keyIndex = -1;
            for (int i = 0; i < 3; i++) {
                if (i == valueIndex) {
                    continue;
                }
                if (reaches.get(i).values().contains(scores.getInput(0))) {
                    queryIndex = i;
                } else if (reaches.get(i).values().contains(scores.getInput(1))) {
                    keyIndex = i;
                }
            }
            if (queryIndex < 0 || keyIndex < 0) {
                throw notEncoder("layer " + l + ": cannot tell query from key in the score product");
            }
            NodeProto context = products.get(valueIndex);
            if (!reaches.get(valueIndex).values().contains(context.getInput(1))) {
                throw notEncoder("layer " + l + ": the value projection is not the right operand of the context"
                        + " product");
            }
            long headDim = headDim(l, qkv.get(queryIndex), reaches.get(queryIndex), reaches.get(keyIndex), scores,
                    d);
            Linear q = qkv.get(queryIndex);
            Linear k = qkv.get(keyIndex);
            Linear v = qkv.get(valueIndex);
            assignLinear(q, TensorNames.query(l, "weight"), TensorNames.query(l, "bias"));
            assignLinear(k, TensorNames.key(l, "weight"), TensorNames.key(l, "bias"));
            assignLinear(v, TensorNames.value(l, "weight"), TensorNames.value(l, "bias"));
            // Keep the projections ordered Q, K, V for the caller.
            qkv.set(0, q);
            qkv.set(1, k);
            qkv.set(2, v);
            return headDim;
        }

        /**
         * d_h from the query's Reshape constant [.., h, d_h] and/or from the score scale 1/√d_h.
         */
        private long headDim(int l, Linear q, Reach qReach, Reach kReach, NodeProto scores, long d) {
            long n = q.out();
            long fromReshape = -1;
            for (NodeProto node : qReach.nodes()) {
                if (node.getOpType().equals("Reshape") && qReach.values().contains(node.getInput(0))) {
                    long[] target = reshapeTarget(node.getInput(1));
                    if (target != null && target.length == 4 && target[2] > 0 && target[3] > 0
                            && target[2] * target[3] == n) {
                        fromReshape = target[3];
                    }
                    break;
                }
            }
            double multiplier = 1;
            for (Reach r : List.of(qReach, kReach)) {
                for (NodeProto node : r.nodes()) {
                    multiplier *= scaleOf(node, r.values());
                }
            }
            String v = scores.getOutput(0);
            for (int step = 0; step < 6; step++) {
                List<NodeProto> next = g.consumers(v);
                if (next.size() != 1 || next.get(0).getOpType().equals("Softmax")) {
                    break;
                }
                multiplier *= scaleOf(next.get(0), Set.of(v));
                v = next.get(0).getOutput(0);
            }
            long fromScale = -1;
            if (multiplier != 1) {
                double dh = 1 / (multiplier * multiplier);
                if (Math.abs(dh - Math.rint(dh)) < 1e-3 * dh) {
                    fromScale = Math.round(dh);
                }
            }
            if (fromReshape > 0 && fromScale > 0 && fromReshape != fromScale) {
                throw notEncoder("layer " + l + ": head size " + fromReshape + " from the query Reshape disagrees"
                        + " with " + fromScale + " from the attention scaling constant");
            }
            long headDim = fromReshape > 0 ? fromReshape : fromScale;
            if (headDim <= 0 || n % headDim != 0 || d % headDim != 0) {
                throw notEncoder("layer " + l + ": cannot infer the number of attention heads (no Reshape to"
                        + " [B, S, h, d_h] and no 1/sqrt(d_h) score scaling found)");
            }
            return headDim;
        }

        /** The factor a node multiplies its on-path input by when its other operand is a scalar constant. */
        private double scaleOf(NodeProto node, Set<String> onPath) {
            String op = node.getOpType();
            if (!op.equals("Mul") && !op.equals("Div")) {
                return 1;
            }
            for (int i = 0; i < 2 && node.getInputCount() == 2; i++) {
                if (onPath.contains(node.getInput(i))) {
                    Double c = g.scalar(node.getInput(1 - i));
                    if (c == null || c == 0) {
                        return 1;
                    }
                    return op.equals("Mul") ? c : (i == 0 ? 1 / c : 1);
                }
            }
            return 1;
        }

        /** A Reshape's target shape when its entries are constants (a constant, or a Concat of them). */
        private long[] reshapeTarget(String shapeValue) {
            TensorProto c = g.constant(shapeValue);
            if (c != null) {
                return g.longs(c);
            }
            NodeProto concat = g.producer(shapeValue);
            if (concat == null || !concat.getOpType().equals("Concat")) {
                return null;
            }
            long[] out = new long[concat.getInputCount()];
            for (int i = 0; i < out.length; i++) {
                Double v = g.scalar(concat.getInput(i));
                out[i] = v == null ? -1 : v.longValue();
            }
            return out;
        }

        /** Attention output projection, residual and LayerNorm; returns the new hidden state. */
        private String afterAttention(int l, String x, List<Linear> qkv, long d) {
            Reach fromContext = null;
            for (NodeProto node : forward(qkv.get(2).output()).nodes()) {
                if (node.getOpType().equals("MatMul") && weightOf(node) == null) {
                    fromContext = forward(node.getOutput(0));
                }
            }
            Linear out = singleWeightedProduct(l, fromContext, "attention output projection");
            if (out.in() != qkv.get(0).out() || out.out() != d) {
                throw notEncoder("layer " + l + ": attention output projection is [" + out.in() + ", " + out.out()
                        + "], expected [" + qkv.get(0).out() + ", " + d + "]");
            }
            assignLinear(out, TensorNames.attentionOutput(l, "weight"), TensorNames.attentionOutput(l, "bias"));
            LayerNorm ln = residualLayerNorm(l, out.output(), x, "attention");
            assignLayerNorm(ln, TensorNames.attentionLayerNorm(l, "weight"),
                    TensorNames.attentionLayerNorm(l, "bias"), d);
            return ln.output();
        }

        /** FFN, residual and LayerNorm; returns the new hidden state and puts the FFN width in {@code width[0]}. */
        private String feedForward(int l, String x, long d, long[] width) {
            List<Linear> up = new ArrayList<>();
            for (NodeProto n : g.consumers(x, "MatMul")) {
                if (n.getInput(0).equals(x) && weightOf(n) != null) {
                    up.add(linear(l, n, d, -1));
                }
            }
            if (up.size() != 1) {
                throw notEncoder("layer " + l + ": the attention block's output feeds " + up.size()
                        + " weight products; a BERT feed-forward block has 1");
            }
            Linear intermediate = up.get(0);
            Reach reach = forward(intermediate.output());
            boolean erf = false;
            boolean tanh = false;
            for (NodeProto node : reach.nodes()) {
                switch (node.getOpType()) {
                    case "Erf" -> erf = true;
                    case "Tanh" -> tanh = true;
                    case "Gelu" -> {
                        AttributeProto approx = OnnxGraph.attribute(node, "approximate");
                        if (approx != null && approx.getS().toStringUtf8().equals("tanh")) {
                            tanh = true;
                        } else {
                            erf = true;
                        }
                    }
                    default -> {
                    }
                }
            }
            if (!erf) {
                throw notEncoder("layer " + l + ": the feed-forward activation is " + (tanh
                        ? "the tanh approximation of GELU" : "not GELU") + "; only exact (erf) GELU is supported");
            }
            Linear down = singleWeightedProduct(l, reach, "feed-forward output projection");
            if (down.in() != intermediate.out() || down.out() != d) {
                throw notEncoder("layer " + l + ": feed-forward output projection is [" + down.in() + ", "
                        + down.out() + "], expected [" + intermediate.out() + ", " + d + "]");
            }
            assignLinear(intermediate, TensorNames.intermediate(l, "weight"), TensorNames.intermediate(l, "bias"));
            assignLinear(down, TensorNames.output(l, "weight"), TensorNames.output(l, "bias"));
            LayerNorm ln = residualLayerNorm(l, down.output(), x, "feed-forward");
            assignLayerNorm(ln, TensorNames.outputLayerNorm(l, "weight"), TensorNames.outputLayerNorm(l, "bias"), d);
            width[0] = intermediate.out();
            return ln.output();
        }

        private Linear singleWeightedProduct(int l, Reach reach, String what) {
            List<NodeProto> weighted = new ArrayList<>();
            if (reach != null) {
                for (NodeProto node : reach.nodes()) {
                    if (node.getOpType().equals("MatMul") && weightOf(node) != null) {
                        weighted.add(node);
                    }
                }
            }
            if (weighted.size() != 1) {
                throw notEncoder("layer " + l + ": found " + weighted.size() + " candidates for the " + what
                        + ", expected 1");
            }
            return linear(l, weighted.get(0), -1, -1);
        }

        private LayerNorm residualLayerNorm(int l, String branch, String residual, String block) {
            for (NodeProto add : g.consumers(branch, "Add")) {
                if (residual.equals(OnnxGraph.otherInput(add, branch))) {
                    LayerNorm ln = layerNormAt(add.getOutput(0));
                    if (ln != null) {
                        return ln;
                    }
                }
            }
            throw notEncoder("layer " + l + ": the " + block + " block's output is not added to its input and"
                    + " layer-normalised");
        }

        /** The LayerNorm whose input is {@code x}, as one node or torch's decomposed pattern; null if none. */
        private LayerNorm layerNormAt(String x) {
            for (NodeProto n : g.consumers(x, "LayerNormalization")) {
                if (n.getInput(0).equals(x) && n.getInputCount() == 3) {
                    AttributeProto epsilon = OnnxGraph.attribute(n, "epsilon");
                    return new LayerNorm(n.getInput(1), n.getInput(2), epsilon == null ? 1e-5f : epsilon.getF(),
                            n.getOutput(0));
                }
            }
            for (NodeProto mean : g.consumers(x, "ReduceMean")) {
                for (NodeProto sub : g.consumers(x, "Sub")) {
                    if (sub.getInputCount() != 2 || !sub.getInput(0).equals(x)
                            || !sub.getInput(1).equals(mean.getOutput(0))) {
                        continue;
                    }
                    String centred = sub.getOutput(0);
                    NodeProto square = null;
                    for (NodeProto p : g.consumers(centred)) {
                        boolean pow = p.getOpType().equals("Pow") && p.getInput(0).equals(centred)
                                && Double.valueOf(2.0).equals(g.scalar(p.getInput(1)));
                        boolean mul = p.getOpType().equals("Mul") && p.getInput(0).equals(centred)
                                && p.getInput(1).equals(centred);
                        if (pow || mul) {
                            square = p;
                        }
                    }
                    NodeProto variance = square == null ? null : only(g.consumers(square.getOutput(0), "ReduceMean"));
                    NodeProto plusEps = variance == null ? null : only(g.consumers(variance.getOutput(0), "Add"));
                    Double epsilon = plusEps == null ? null
                            : g.scalar(OnnxGraph.otherInput(plusEps, variance.getOutput(0)));
                    NodeProto sqrt = epsilon == null ? null : only(g.consumers(plusEps.getOutput(0), "Sqrt"));
                    NodeProto div = null;
                    if (sqrt != null) {
                        for (NodeProto p : g.consumers(sqrt.getOutput(0), "Div")) {
                            if (p.getInput(0).equals(centred) && p.getInput(1).equals(sqrt.getOutput(0))) {
                                div = p;
                            }
                        }
                    }
                    NodeProto scale = div == null ? null : only(g.consumers(div.getOutput(0), "Mul"));
                    String gamma = scale == null ? null : OnnxGraph.otherInput(scale, div.getOutput(0));
                    NodeProto shift = gamma == null ? null : only(g.consumers(scale.getOutput(0), "Add"));
                    String beta = shift == null ? null : OnnxGraph.otherInput(shift, scale.getOutput(0));
                    if (beta != null && g.floatInitializer(gamma) != null && g.floatInitializer(beta) != null) {
                        return new LayerNorm(gamma, beta, epsilon.floatValue(), shift.getOutput(0));
                    }
                }
            }
            return null;
        }

        /** Forward reach from a value, stopping at (but including) MatMul, Gemm and Shape nodes. */
        private Reach forward(String start) {
            Set<NodeProto> nodes = Collections.newSetFromMap(new IdentityHashMap<>());
            Set<String> values = new HashSet<>();
            Deque<String> queue = new ArrayDeque<>();
            values.add(start);
            queue.add(start);
            while (!queue.isEmpty() && nodes.size() < MAX_REACH) {
                for (NodeProto n : g.consumers(queue.poll())) {
                    if (!nodes.add(n)) {
                        continue;
                    }
                    String op = n.getOpType();
                    if (op.equals("MatMul") || op.equals("Gemm") || op.equals("Shape")) {
                        continue;
                    }
                    for (String out : n.getOutputList()) {
                        if (values.add(out)) {
                            queue.add(out);
                        }
                    }
                }
            }
            return new Reach(nodes, values);
        }

        /** The [in, out] float initializer a MatMul multiplies by, or null. */
        private String weightOf(NodeProto matMul) {
            if (!matMul.getOpType().equals("MatMul") || matMul.getInputCount() != 2) {
                return null;
            }
            TensorProto w = g.floatInitializer(matMul.getInput(1));
            return w != null && w.getDimsCount() == 2 ? matMul.getInput(1) : null;
        }

        private Linear linear(int l, NodeProto matMul, long expectedIn, long expectedOut) {
            String weight = weightOf(matMul);
            long[] dims = dimsOf(weight);
            if ((expectedIn >= 0 && dims[0] != expectedIn) || (expectedOut >= 0 && dims[1] != expectedOut)) {
                throw notEncoder("layer " + l + ": weight " + weight + " has shape " + Arrays.toString(dims));
            }
            for (NodeProto add : g.consumers(matMul.getOutput(0), "Add")) {
                String bias = OnnxGraph.otherInput(add, matMul.getOutput(0));
                TensorProto b = bias == null ? null : g.floatInitializer(bias);
                if (b != null && b.getDimsCount() == 1 && b.getDims(0) == dims[1]) {
                    return new Linear(matMul, weight, bias, add.getOutput(0), dims[0], dims[1]);
                }
            }
            throw notEncoder("layer " + l + ": the product with " + weight + " has no bias Add; BERT linear layers"
                    + " have biases");
        }

        private void assignLinear(Linear lin, String weightName, String biasName) {
            assign(lin.weight(), weightName, true);
            assign(lin.bias(), biasName, false);
        }

        private void assignLayerNorm(LayerNorm ln, String weightName, String biasName, long d) {
            if (eps == null) {
                eps = ln.eps();
            } else if (Float.compare(eps, ln.eps()) != 0) {
                throw new CheckpointFormatException(source, weightName, "LayerNorm epsilon " + ln.eps()
                        + " differs from " + eps + " of the embeddings' LayerNorm; one epsilon is expected");
            }
            for (String init : List.of(ln.gamma(), ln.beta())) {
                long[] dims = dimsOf(init);
                if (dims.length != 1 || dims[0] != d) {
                    throw new CheckpointFormatException(source, init, "LayerNorm parameter for " + weightName
                            + " has shape " + Arrays.toString(dims) + ", expected [" + d + "]");
                }
            }
            assign(ln.gamma(), weightName, false);
            assign(ln.beta(), biasName, false);
        }

        private void assign(String initializer, String tensorName, boolean transpose) {
            String previous = mapping.putIfAbsent(initializer, tensorName);
            if (previous != null) {
                throw new CheckpointFormatException(source, initializer, "initializer is consumed both as "
                        + previous + " and as " + tensorName + "; BERT encoders share no weights");
            }
            TensorProto t = g.floatInitializer(initializer);
            FloatTensor tensor = new FloatTensor(tensorName, dimsOf(initializer), g.floats(t, initializer));
            tensors.put(tensorName, transpose ? tensor.transposed() : tensor);
        }

        private long[] dimsOf(String initializer) {
            return g.dims(g.initializers().get(initializer));
        }

        private static NodeProto only(List<NodeProto> nodes) {
            return nodes.size() == 1 ? nodes.get(0) : null;
        }

        private CheckpointFormatException notEncoder(String problem) {
            return new CheckpointFormatException(source, "graph", "not a BERT-family encoder: " + problem);
        }
    }
}
