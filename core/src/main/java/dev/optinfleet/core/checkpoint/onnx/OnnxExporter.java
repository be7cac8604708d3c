package dev.optinfleet.core.checkpoint.onnx;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ModelProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.OperatorSetIdProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.StringStringEntryProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;
import dev.optinfleet.core.io.AtomicFiles;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;
import dev.optinfleet.core.model.TensorNames;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.optinfleet.core.checkpoint.onnx.OnnxGraphBuilder.FLOAT;
import static dev.optinfleet.core.checkpoint.onnx.OnnxGraphBuilder.INT64;
import static dev.optinfleet.core.checkpoint.onnx.OnnxGraphBuilder.floatAttr;
import static dev.optinfleet.core.checkpoint.onnx.OnnxGraphBuilder.intAttr;
import static dev.optinfleet.core.checkpoint.onnx.OnnxGraphBuilder.intsAttr;

/**
 * Exports a {@link Checkpoint} (dense or pruned, exactly the weights given) as an ONNX model, opset
 * {@value #OPSET}, that computes what {@link dev.optinfleet.core.model.Encoder} computes with no gates.
 *
 * <p>Inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids}: int64 [batch, sequence] (both axes
 * dynamic). Outputs {@code last_hidden_state} [batch, sequence, d], {@code sentence_embedding} [batch, d] (the
 * config's pooling: mean over tokens, the first token, or the pooler tanh(W h_CLS + b)) and, with a classifier,
 * {@code logits} [batch, labels]. The graph, with m the attention bias [B, 1, 1, S] (0 on tokens, -1e9 on padding):
 * <pre>
 *   x_0  = LN(W_word[ids] + W_pos[0:S] + W_type[types])
 *   per layer l with h_l heads of d_h and f_l neurons (weights [in, out]):
 *     q, k, v = x W_q + b_q, x W_k + b_k, x W_v + b_v          [B, S, h_l·d_h] -> [B, h_l, S, d_h]
 *     ctx     = softmax(q kᵀ / √d_h + m) v                        [B, h_l, S, d_h] -> [B, S, h_l·d_h]
 *     a       = LN(x + (ctx W_o + b_o))                           h_l = 0: LN(x + b_o)
 *     out     = LN(a + (GELU(a W_1 + b_1) W_2 + b_2))             f_l = 0: LN(a + b_2); GELU(z) = z·(1 + erf(z/√2))/2
 * </pre>
 * LN is the fused {@code LayerNormalization} (opset 17) over the last axis. Weights are initializers named as in
 * the checkpoint (Hugging Face names; linear weights stored transposed, [in, out]); they are embedded unless
 * their total exceeds {@link #EMBEDDED_LIMIT_BYTES}, in which case they go to {@value #DATA_FILE} beside the model
 * as ONNX external data (protobuf cannot hold a message over 2 GB).
 *
 * <p>Files are written into a temporary directory inside the target and moved into place once complete (the data
 * file before the model), so the target never holds a partial model. A checkpoint whose tensors disagree with its
 * config is rejected before anything is written, naming the tensor.
 */
public final class OnnxExporter {
    public static final String FILE = CheckpointLoader.ONNX_FILE;
    public static final String DATA_FILE = "model.onnx.data";
    public static final int OPSET = 17;
    /** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
    public static final long IR_VERSION = 8;
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    public static final String LOGITS = "logits";
    /** Weights above this many bytes go to external data: protobuf messages are limited to 2 GiB. */
    public static final long EMBEDDED_LIMIT_BYTES = Integer.MAX_VALUE - (64L << 20);
    /** The attention bias on padding, as in the encoder. */
    static final float MASKED = -1e9f;

    private static final String BATCH = "batch";
    private static final String SEQUENCE = "sequence";

    private OnnxExporter() {
    }

    /** Writes {@code dir/model.onnx} (and {@code model.onnx.data} for models over 2 GB); see the class comment. */
    public static OnnxExport export(Checkpoint checkpoint, Path dir) {
        return export(checkpoint, dir, EMBEDDED_LIMIT_BYTES);
    }

    /** As {@link #export(Checkpoint, Path)} with another limit for embedded weights (tests of external data). */
    static OnnxExport export(Checkpoint checkpoint, Path dir, long embeddedLimitBytes) {
        checkTensors(checkpoint);
        long weightBytes = 0;
        for (FloatTensor t : checkpoint.tensors().values()) {
            weightBytes += (long) t.data().length * Float.BYTES;
        }
        boolean external = weightBytes > embeddedLimitBytes;
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempDirectory(dir, "." + FILE + "-");
            Path tmpModel = tmp.resolve(FILE);
            Path tmpData = tmp.resolve(DATA_FILE);
            ModelProto model;
            if (external) {
                try (ExternalData data = new ExternalData(tmpData)) {
                    model = build(checkpoint, data);
                }
            } else {
                model = build(checkpoint, OnnxGraphBuilder.EMBEDDED);
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmpModel), 1 << 20)) {
                model.writeTo(out);
            }
            Path data = null;
            long bytes = Files.size(tmpModel);
            if (external) {
                bytes += Files.size(tmpData);
                data = dir.resolve(DATA_FILE);
                move(tmpData, data);
            } else {
                Files.deleteIfExists(dir.resolve(DATA_FILE)); // a stale side file from an earlier, larger export
            }
            Path target = dir.resolve(FILE);
            move(tmpModel, target);
            return new OnnxExport(target, data, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE + " of " + checkpoint.name() + " into " + dir
                    + ": " + e.getMessage(), e);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The ONNX model of a checkpoint, weights stored through {@code weights}. */
    static ModelProto build(Checkpoint checkpoint, OnnxGraphBuilder.WeightStore weights) {
        ModelConfig c = checkpoint.config();
        OnnxGraphBuilder g = new OnnxGraphBuilder(checkpoint.name(), weights);
        long d = c.hiddenSize();
        String ids = g.input(INPUT_IDS, INT64, BATCH, SEQUENCE);
        String mask = g.input(ATTENTION_MASK, INT64, BATCH, SEQUENCE);
        String types = g.input(TOKEN_TYPE_IDS, INT64, BATCH, SEQUENCE);

        // Attention bias and float mask exactly as the encoder makes them: any non-zero mask value is a token.
        String isPad = g.op("Equal", "is_padding", List.of(mask, g.int64Scalar("zero_i64", 0)));
        String bias2d = g.op("Where", "attention_bias_2d", List.of(isPad, g.floatScalar("masked", MASKED),
                g.floatScalar("zero", 0f)));
        String bias = g.op("Unsqueeze", "attention_bias", List.of(bias2d, g.int64s("axes_1_2", 1, 2)));
        String tokenMask = g.op("Where", "token_mask", List.of(isPad, "zero", g.floatScalar("one", 1f)));

        String x = embeddings(g, checkpoint, ids, types);
        for (int l = 0; l < c.numLayers(); l++) {
            String a = attention(g, checkpoint, l, x, bias);
            x = feedForward(g, checkpoint, l, a);
        }
        g.output(x, LAST_HIDDEN_STATE, FLOAT, BATCH, SEQUENCE, d);
        String pooled = pool(g, checkpoint, x, tokenMask);
        g.output(pooled, SENTENCE_EMBEDDING, FLOAT, BATCH, d);
        if (c.hasClassifier()) {
            String logits = linear(g, checkpoint, TensorNames.CLASSIFIER_WEIGHT, TensorNames.CLASSIFIER_BIAS,
                    pooled, "classifier");
            g.output(logits, LOGITS, FLOAT, BATCH, (long) c.numLabels());
        }

        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("optin-fleet")
                .setProducerVersion("0.1.0")
                .setDocString("BERT-family encoder " + checkpoint.name() + " exported by optin-fleet; each layer has"
                        + " its own head count and FFN width (metadata optin.heads_per_layer,"
                        + " optin.intermediate_sizes)")
                .setGraph(g.build());
        meta(m, "optin.model_name", checkpoint.name());
        meta(m, "optin.heads_per_layer", join(c.headsPerLayer()));
        meta(m, "optin.intermediate_sizes", join(c.intermediatePerLayer()));
        meta(m, "optin.head_dim", Integer.toString(c.headDim()));
        meta(m, "optin.pooling", c.pooling().configName());
        if (!c.labels().isEmpty()) {
            meta(m, "optin.labels", String.join(",", c.labels()));
        }
        return m.build();
    }

    /**
     * Every tensor the config asks for, with its shape: {@link Checkpoint#of} guarantees it, this names the tensor
     * should a checkpoint ever be built another way.
     */
    static void checkTensors(Checkpoint checkpoint) {
        Map<String, FloatTensor> tensors = checkpoint.tensors();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(checkpoint.config(), checkpoint.hasPooler())
                .entrySet()) {
            FloatTensor t = tensors.get(e.getKey());
            if (t == null) {
                throw new CheckpointFormatException(checkpoint.name(), e.getKey(), "tensor is missing (expected"
                        + " shape " + Arrays.toString(e.getValue()) + " for " + checkpoint.config() + ")");
            }
            if (!t.hasShape(e.getValue())) {
                throw new CheckpointFormatException(checkpoint.name(), e.getKey(), "shape "
                        + Arrays.toString(t.shape()) + " does not match the config, expected "
                        + Arrays.toString(e.getValue()));
            }
        }
    }

    /** LN(W_word[ids] + W_pos[0:S] + W_type[types]), [B, S, d]. */
    private static String embeddings(OnnxGraphBuilder g, Checkpoint c, String ids, String types) {
        String words = g.op("Gather", "word_embeddings", List.of(weight(g, c, TensorNames.WORD_EMBEDDINGS), ids));
        String length = g.op("Shape", "sequence_length", List.of(ids), intAttr("start", 1), intAttr("end", 2));
        String positions = g.op("Slice", "position_embeddings", List.of(weight(g, c,
                TensorNames.POSITION_EMBEDDINGS), g.int64s("zero_1d", 0), length, "zero_1d"));
        String tokenTypes = g.op("Gather", "token_type_embeddings", List.of(weight(g, c,
                TensorNames.TOKEN_TYPE_EMBEDDINGS), types));
        String sum = g.op("Add", "embeddings_sum", List.of(g.op("Add", "embeddings_wp", List.of(words, positions)),
                tokenTypes));
        return layerNorm(g, c, sum, TensorNames.EMBEDDINGS_LN_WEIGHT, TensorNames.EMBEDDINGS_LN_BIAS, "embeddings");
    }

    /** a = LN(x + Attention(x)), or LN(x + b_o) for a layer without heads. */
    private static String attention(OnnxGraphBuilder g, Checkpoint c, int l, String x, String bias) {
        ModelConfig config = c.config();
        int h = config.headsIn(l);
        String p = "layer" + l + "_attention";
        String out;
        if (h == 0) {
            out = weight(g, c, TensorNames.attentionOutput(l, "bias"));
        } else {
            long dh = config.headDim();
            String split = g.int64s(p + "_split_shape", 0, 0, h, dh);
            String q = g.op("Mul", p + "_q_scaled", List.of(linear(g, c, TensorNames.query(l, "weight"),
                    TensorNames.query(l, "bias"), x, p + "_q"), g.floatScalar(p + "_scale",
                    1.0f / (float) Math.sqrt(dh))));
            q = g.op("Transpose", p + "_q_heads", List.of(g.op("Reshape", p + "_q_split", List.of(q, split))),
                    intsAttr("perm", 0, 2, 1, 3));
            String k = linear(g, c, TensorNames.key(l, "weight"), TensorNames.key(l, "bias"), x, p + "_k");
            k = g.op("Transpose", p + "_k_heads_t", List.of(g.op("Reshape", p + "_k_split", List.of(k, split))),
                    intsAttr("perm", 0, 2, 3, 1));
            String v = linear(g, c, TensorNames.value(l, "weight"), TensorNames.value(l, "bias"), x, p + "_v");
            v = g.op("Transpose", p + "_v_heads", List.of(g.op("Reshape", p + "_v_split", List.of(v, split))),
                    intsAttr("perm", 0, 2, 1, 3));
            String scores = g.op("Add", p + "_scores", List.of(g.op("MatMul", p + "_qk", List.of(q, k)), bias));
            String probs = g.op("Softmax", p + "_probs", List.of(scores), intAttr("axis", -1));
            String ctx = g.op("Transpose", p + "_context_t", List.of(g.op("MatMul", p + "_context",
                    List.of(probs, v))), intsAttr("perm", 0, 2, 1, 3));
            ctx = g.op("Reshape", p + "_context_merged", List.of(ctx, g.int64s(p + "_merge_shape", 0, 0,
                    h * dh)));
            out = linear(g, c, TensorNames.attentionOutput(l, "weight"), TensorNames.attentionOutput(l, "bias"),
                    ctx, p + "_output");
        }
        String residual = g.op("Add", p + "_residual", List.of(x, out));
        return layerNorm(g, c, residual, TensorNames.attentionLayerNorm(l, "weight"),
                TensorNames.attentionLayerNorm(l, "bias"), p);
    }

    /** LN(a + GELU(a W_1 + b_1) W_2 + b_2), or LN(a + b_2) for a layer without neurons. */
    private static String feedForward(OnnxGraphBuilder g, Checkpoint c, int l, String a) {
        String p = "layer" + l + "_ffn";
        String out;
        if (c.config().neuronsIn(l) == 0) {
            out = weight(g, c, TensorNames.output(l, "bias"));
        } else {
            String z = linear(g, c, TensorNames.intermediate(l, "weight"), TensorNames.intermediate(l, "bias"), a,
                    p + "_intermediate");
            String erf = g.op("Erf", p + "_erf", List.of(g.op("Mul", p + "_z_scaled", List.of(z,
                    g.floatScalar(p + "_inv_sqrt2", (float) (1.0 / Math.sqrt(2.0)))))));
            String gelu = g.op("Mul", p + "_gelu", List.of(g.op("Mul", p + "_gelu_unscaled", List.of(z,
                    g.op("Add", p + "_erf_plus_one", List.of(erf, "one")))), g.floatScalar(p + "_half", 0.5f)));
            out = linear(g, c, TensorNames.output(l, "weight"), TensorNames.output(l, "bias"), gelu, p + "_output");
        }
        String residual = g.op("Add", p + "_residual", List.of(a, out));
        return layerNorm(g, c, residual, TensorNames.outputLayerNorm(l, "weight"),
                TensorNames.outputLayerNorm(l, "bias"), p);
    }

    /** Sentence vectors [B, d] by the config's pooling. */
    private static String pool(OnnxGraphBuilder g, Checkpoint c, String hidden, String tokenMask) {
        Pooling pooling = c.config().pooling();
        if (pooling == Pooling.MEAN) {
            String m = g.op("Unsqueeze", "token_mask_3d", List.of(tokenMask, g.int64s("axes_2", 2)));
            String axis1 = g.int64s("axes_1", 1);
            String sum = g.op("ReduceSum", "masked_sum", List.of(g.op("Mul", "masked_hidden", List.of(hidden, m)),
                    axis1), intAttr("keepdims", 0));
            String count = g.op("ReduceSum", "token_count", List.of(m, axis1), intAttr("keepdims", 0));
            return g.op("Div", "mean_pooled", List.of(sum, count));
        }
        String cls = g.op("Gather", "cls_hidden", List.of(hidden, g.int64Scalar("index_0", 0)), intAttr("axis", 1));
        if (pooling == Pooling.POOLER && c.hasPooler()) {
            return g.op("Tanh", "pooler_output", List.of(linear(g, c, TensorNames.POOLER_WEIGHT,
                    TensorNames.POOLER_BIAS, cls, "pooler")));
        }
        return cls;
    }

    /** x W + b with the checkpoint's [out, in] weight stored as an [in, out] initializer. */
    private static String linear(OnnxGraphBuilder g, Checkpoint c, String weightName, String biasName, String x,
                                 String hint) {
        FloatTensor w = c.tensor(weightName).transposed();
        String weight = g.floats(weightName, w.shape(), w.data());
        return g.op("Add", hint, List.of(g.op("MatMul", hint + "_matmul", List.of(x, weight)),
                weight(g, c, biasName)));
    }

    private static String layerNorm(OnnxGraphBuilder g, Checkpoint c, String x, String weight, String bias,
                                    String hint) {
        return g.op("LayerNormalization", hint + "_ln", List.of(x, weight(g, c, weight), weight(g, c, bias)),
                intAttr("axis", -1), floatAttr("epsilon", (float) c.config().layerNormEps()));
    }

    private static String weight(OnnxGraphBuilder g, Checkpoint c, String name) {
        FloatTensor t = c.tensor(name);
        return g.floats(name, t.shape(), t.data());
    }

    private static void meta(ModelProto.Builder m, String key, String value) {
        m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }

    private static String join(int[] values) {
        return IntStream.of(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static void move(Path from, Path to) throws IOException {
        AtomicFiles.moveReplacing(from, to);
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the temporary export directory " + dir, e);
        }
    }

    /**
     * Initializer bytes appended to one side file; each tensor records its {@code location}, {@code offset} and
     * {@code length} there (ONNX external data), offsets aligned to 64 bytes for memory-mapping runtimes. Tensors
     * under {@value ExternalData#MIN_EXTERNAL_BYTES} bytes (scalars, small biases) stay embedded, as ONNX's own tools do.
     */
    private static final class ExternalData implements OnnxGraphBuilder.WeightStore, AutoCloseable {
        private static final int ALIGN = 64;
        static final int MIN_EXTERNAL_BYTES = 1024;
        private final WritableByteChannel out;
        private long offset;

        ExternalData(Path file) throws IOException {
            this.out = Channels.newChannel(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20));
        }

        @Override
        public void store(TensorProto.Builder tensor, ByteBuffer bytes) throws IOException {
            if (bytes.remaining() < MIN_EXTERNAL_BYTES) {
                OnnxGraphBuilder.EMBEDDED.store(tensor, bytes);
                return;
            }
            long pad = (ALIGN - offset % ALIGN) % ALIGN;
            if (pad > 0) {
                out.write(ByteBuffer.allocate((int) pad));
                offset += pad;
            }
            long length = bytes.remaining();
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            tensor.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", DATA_FILE))
                    .addExternalData(entry("offset", Long.toString(offset)))
                    .addExternalData(entry("length", Long.toString(length)));
            offset += length;
        }

        private static StringStringEntryProto entry(String key, String value) {
            return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
