package dev.optinfleet.core.checkpoint.onnx;

import com.google.protobuf.ByteString;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.AttributeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.AttributeProto.AttributeType;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.GraphProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.NodeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorShapeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TypeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ValueInfoProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds an ONNX {@link GraphProto} node by node with the generated protobuf classes: each op call adds one node
 * and returns the name of its (single) output, so graph code reads like the formula it computes. Weight bytes go
 * through a {@link WeightStore} (embedded {@code raw_data} or external data). Value names are unique; a name hint
 * that is taken gets a numeric suffix. One builder makes one graph, on one thread.
 */
final class OnnxGraphBuilder {
    /** ONNX TensorProto.DataType values used by the export. */
    static final int FLOAT = OnnxGraph.FLOAT;
    static final int INT64 = OnnxGraph.INT64;

    /** Where an initializer's bytes go. */
    interface WeightStore {
        /** Sets the tensor's data (raw_data, or external_data pointing into a side file) from little-endian bytes. */
        void store(TensorProto.Builder tensor, ByteBuffer littleEndianBytes) throws IOException;
    }

    /** Every initializer as raw_data inside the model file. */
    static final WeightStore EMBEDDED = (tensor, bytes) -> tensor.setRawData(ByteString.copyFrom(bytes));

    private final GraphProto.Builder graph;
    private final WeightStore weights;
    private final Set<String> names = new HashSet<>();

    OnnxGraphBuilder(String graphName, WeightStore weights) {
        this.graph = GraphProto.newBuilder().setName(graphName);
        this.weights = weights;
    }

    GraphProto build() {
        return graph.build();
    }

    /** A graph input of the given element type; a dimension is a {@code Long} (fixed) or a {@code String} (named). */
    String input(String name, int elemType, Object... dims) {
        graph.addInput(valueInfo(claim(name), elemType, dims));
        return name;
    }

    /** Declares {@code value} a graph output under the name {@code name} (through an Identity if they differ). */
    void output(String value, String name, int elemType, Object... dims) {
        String out = value;
        if (!value.equals(name)) {
            graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName(claim(name) + "/Identity")
                    .addInput(value).addOutput(name));
            out = name;
        }
        graph.addOutput(valueInfo(out, elemType, dims));
    }

    /** A float32 initializer of the given shape from row-major values. */
    String floats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return initializer(name, FLOAT, dims, b);
    }

    /** A float32 scalar (rank 0) initializer. */
    String floatScalar(String name, float value) {
        return floats(name, new long[0], new float[] {value});
    }

    /** A 1-D int64 initializer (shapes, axes, indices). */
    String int64s(String name, long... values) {
        return int64Tensor(name, new long[] {values.length}, values);
    }

    /** An int64 scalar (rank 0) initializer. */
    String int64Scalar(String name, long value) {
        return int64Tensor(name, new long[0], new long[] {value});
    }

    /** Adds {@code op(inputs)} with attributes and returns its output's name (derived from {@code hint}). */
    String op(String op, String hint, List<String> inputs, AttributeProto... attributes) {
        String out = claim(hint);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out + "/" + op).addAllInput(inputs)
                .addOutput(out);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto intsAttr(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private String int64Tensor(String name, long[] dims, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        // Shapes and axes stay inside the model: runtimes read them during shape inference, before external data.
        return initializer(name, INT64, dims, b, EMBEDDED);
    }

    private String initializer(String name, int type, long[] dims, ByteBuffer littleEndian) {
        return initializer(name, type, dims, littleEndian, weights);
    }

    private String initializer(String name, int type, long[] dims, ByteBuffer littleEndian, WeightStore store) {
        String unique = claim(name);
        TensorProto.Builder t = TensorProto.newBuilder().setName(unique).setDataType(type);
        for (long d : dims) {
            t.addDims(d);
        }
        try {
            store.store(t, littleEndian.rewind());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the data of initializer " + unique + ": "
                    + e.getMessage(), e);
        }
        graph.addInitializer(t);
        return unique;
    }

    private String claim(String hint) {
        String name = hint;
        for (int i = 1; !names.add(name); i++) {
            name = hint + "_" + i;
        }
        return name;
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof Long l) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(l));
            } else if (d instanceof Integer i) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(i));
            } else {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(String.valueOf(d)));
            }
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }
}
