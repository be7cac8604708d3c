package dev.optinfleet.core.checkpoint.onnx;

import com.google.protobuf.ByteString;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.TensorDtype;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.AttributeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.GraphProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.NodeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An index over an ONNX graph for pattern matching: who produces and who consumes each value, the initializers,
 * and the values of constants (initializers and {@code Constant} nodes, also through shape-preserving
 * Unsqueeze/Cast/Identity/Squeeze/Reshape). Immutable after construction; confined to one import.
 */
final class OnnxGraph {
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int BFLOAT16 = 16;

    private final String source;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, TensorProto> constantNodes = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Set<String> inputs = new LinkedHashSet<>();
    private final List<NodeProto> nodes;

    OnnxGraph(String source, GraphProto graph) {
        this.source = source;
        this.nodes = graph.getNodeList();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (var in : graph.getInputList()) {
            if (!initializers.containsKey(in.getName())) {
                inputs.add(in.getName());
            }
        }
        for (NodeProto n : nodes) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                TensorProto value = constantValue(n);
                if (value != null) {
                    constantNodes.put(n.getOutput(0), value);
                }
            }
        }
    }

    String source() {
        return source;
    }

    List<NodeProto> nodes() {
        return nodes;
    }

    /** Graph inputs that are not initializers, in declaration order. */
    Set<String> inputs() {
        return inputs;
    }

    Map<String, TensorProto> initializers() {
        return initializers;
    }

    NodeProto producer(String value) {
        return producers.get(value);
    }

    List<NodeProto> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** The consumers of {@code value} with the given op type. */
    List<NodeProto> consumers(String value, String opType) {
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : consumers(value)) {
            if (n.getOpType().equals(opType)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The initializer of that name if it holds floating-point data, else null. */
    TensorProto floatInitializer(String name) {
        TensorProto t = initializers.get(name);
        if (t == null) {
            return null;
        }
        int type = t.getDataType();
        return type == FLOAT || type == FLOAT16 || type == DOUBLE || type == BFLOAT16 ? t : null;
    }

    /** A constant's tensor (initializer, Constant node, or a shape-only op of one), or null if not constant. */
    TensorProto constant(String value) {
        for (int depth = 0; depth < 8; depth++) {
            TensorProto t = initializers.get(value);
            if (t == null) {
                t = constantNodes.get(value);
            }
            if (t != null) {
                return t;
            }
            NodeProto p = producers.get(value);
            if (p == null || p.getInputCount() == 0) {
                return null;
            }
            switch (p.getOpType()) {
                case "Unsqueeze", "Squeeze", "Cast", "Identity", "Reshape" -> value = p.getInput(0);
                default -> {
                    return null;
                }
            }
        }
        return null;
    }

    /** A constant holding exactly one number, as a double, or null. */
    Double scalar(String value) {
        TensorProto t = constant(value);
        if (t == null) {
            return null;
        }
        if (t.getDataType() == INT64 || t.getDataType() == INT32) {
            long[] v = longs(t);
            return v.length == 1 ? (double) v[0] : null;
        }
        float[] v = floats(t, value);
        return v.length == 1 ? (double) v[0] : null;
    }

    long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    long[] dims(TensorProto t) {
        long[] d = new long[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
        }
        return d;
    }

    /** The values of a floating-point tensor as float32; {@code what} names it in errors. */
    float[] floats(TensorProto t, String what) {
        long count = elementCount(t);
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(source, what, "has " + count + " elements, too many for an array");
        }
        int n = (int) count;
        float[] out = new float[n];
        ByteString raw = t.getRawData();
        TensorDtype dtype = switch (t.getDataType()) {
            case FLOAT -> TensorDtype.F32;
            case FLOAT16 -> TensorDtype.F16;
            case BFLOAT16 -> TensorDtype.BF16;
            case DOUBLE -> TensorDtype.F64;
            default -> throw new CheckpointFormatException(source, what, "ONNX data_type " + t.getDataType()
                    + " is not a floating-point type");
        };
        if (!raw.isEmpty()) {
            if (raw.size() != (long) n * dtype.byteSize()) {
                throw new CheckpointFormatException(source, what, "raw_data has " + raw.size() + " bytes but dims "
                        + Arrays.toString(dims(t)) + " of " + dtype + " need " + (long) n * dtype.byteSize());
            }
            dtype.decode(raw.asReadOnlyByteBuffer(), out);
            return out;
        }
        int stored = switch (dtype) {
            case F32 -> t.getFloatDataCount();
            case F64 -> t.getDoubleDataCount();
            case F16, BF16 -> t.getInt32DataCount();
        };
        if (stored != n) {
            throw new CheckpointFormatException(source, what, "holds " + stored + " values but dims "
                    + Arrays.toString(dims(t)) + " need " + n + (stored == 0
                    ? " (weights stored as ONNX external data are not supported; re-export with them embedded)"
                    : ""));
        }
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case F32 -> t.getFloatData(i);
                case F64 -> (float) t.getDoubleData(i);
                case F16 -> TensorDtype.halfToFloat((short) t.getInt32Data(i));
                case BF16 -> Float.intBitsToFloat((t.getInt32Data(i) & 0xffff) << 16);
            };
        }
        return out;
    }

    /** The values of an integer tensor, or an empty array if it is not int32/int64. */
    long[] longs(TensorProto t) {
        int n = (int) Math.min(elementCount(t), 1 << 20);
        long[] out = new long[n];
        ByteString raw = t.getRawData();
        if (t.getDataType() == INT64) {
            if (!raw.isEmpty()) {
                raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out, 0,
                        Math.min(n, raw.size() / 8));
            } else {
                for (int i = 0; i < Math.min(n, t.getInt64DataCount()); i++) {
                    out[i] = t.getInt64Data(i);
                }
            }
            return out;
        }
        if (t.getDataType() == INT32) {
            if (!raw.isEmpty()) {
                ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < Math.min(n, raw.size() / 4); i++) {
                    out[i] = b.getInt(4 * i);
                }
            } else {
                for (int i = 0; i < Math.min(n, t.getInt32DataCount()); i++) {
                    out[i] = t.getInt32Data(i);
                }
            }
            return out;
        }
        return new long[0];
    }

    static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** The other input of a two-input node, given one of them; null if {@code value} is not an input. */
    static String otherInput(NodeProto n, String value) {
        if (n.getInputCount() != 2) {
            return null;
        }
        if (n.getInput(0).equals(value)) {
            return n.getInput(1);
        }
        if (n.getInput(1).equals(value)) {
            return n.getInput(0);
        }
        return null;
    }

    private static TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value" -> {
                    return a.hasT() ? a.getT() : null;
                }
                case "value_float" -> {
                    return TensorProto.newBuilder().setDataType(FLOAT).addFloatData(a.getF()).build();
                }
                case "value_floats" -> {
                    return TensorProto.newBuilder().setDataType(FLOAT).addDims(a.getFloatsCount())
                            .addAllFloatData(a.getFloatsList()).build();
                }
                case "value_int" -> {
                    return TensorProto.newBuilder().setDataType(INT64).addInt64Data(a.getI()).build();
                }
                case "value_ints" -> {
                    return TensorProto.newBuilder().setDataType(INT64).addDims(a.getIntsCount())
                            .addAllInt64Data(a.getIntsList()).build();
                }
                default -> {
                }
            }
        }
        return null;
    }
}
