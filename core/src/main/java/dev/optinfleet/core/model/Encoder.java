package dev.optinfleet.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A BERT-family encoder (post-LayerNorm, erf GELU) on DJL NDArrays, with head and neuron gates.
 *
 * <p>Per layer l, with x [R, S, d] and attention bias m [R, 1, 1, S] (0 on tokens, -1e9 on padding):
 * <pre>
 *   ctx_h = softmax(q_h k_hᵀ / √d_h + m) v_h · g_head[h]          for each kept head h, [R, S, d_h]
 *   a     = LN(x + concat_h(ctx_h) W_o + b_o)                       (no heads: LN(x + b_o))
 *   F_l   = (GELU(a W_1 + b_1) · g_neuron) W_2 + b_2                the layer's feature
 *   out   = LN(a + F_l)
 * </pre>
 * Only engine-neutral ops are used (matMul, add/mul/div, erf, tanh, mean/sum, softmax, transpose/reshape); the
 * embedding lookup is done in Java. On PyTorch, GELU and LayerNorm run as the engine's fused kernels instead (same
 * formulas: erf GELU, biased variance): composed from primitives they are a dozen memory-bound passes over every
 * activation, which cost more than the matmuls on the large batched passes of exact scoring.
 *
 * <p>Weights live in this encoder's own manager and are read-only, so several threads may run passes at once,
 * each in its own scope manager. Every result lands in the manager of the activations passed in (the left
 * operand), never in the weights' manager.
 */
public final class Encoder implements AutoCloseable {
    private static final float MASKED = -1e9f;

    private final ModelConfig config;
    private final NDManager manager;
    private final float[] wordEmbeddings;
    private final float[] positionEmbeddings;
    private final float[] typeEmbeddings;
    private final NDArray embeddingsLnWeight;
    private final NDArray embeddingsLnBias;
    private final LayerWeights[] layers;
    private final NDArray poolerWeight;
    private final NDArray poolerBias;
    private final NDArray classifierWeight;
    private final NDArray classifierBias;
    /*
     * Scalars as arrays that live as long as the weights. DJL's PyTorch NDArray.mul(Number) wraps the number in an
     * array over a direct buffer and closes it right after the op; autograd keeps that array for the backward pass,
     * which then reads memory the garbage collector may have freed: the Fisher scorer's gradients came out NaN or
     * huge in worker processes under GC pressure (reproduced in one JVM with a small heap and System.gc()).
     */
    private final NDArray queryScale;
    private final NDArray layerNormEps;
    private final boolean fused;
    private final NDArray inverseSqrt2;
    private final NDArray one;
    private final NDArray half;
    private long weightBytes;

    private record LayerWeights(NDArray wq, NDArray bq, NDArray wk, NDArray bk, NDArray wv, NDArray bv,
                                NDArray wo, NDArray bo, NDArray ln1w, NDArray ln1b,
                                NDArray w1, NDArray b1, NDArray w2, NDArray b2, NDArray ln2w, NDArray ln2b) {
    }

    private Encoder(Checkpoint checkpoint, NDManager manager) {
        this.config = checkpoint.config();
        this.manager = manager;
        this.wordEmbeddings = checkpoint.tensor(TensorNames.WORD_EMBEDDINGS).data();
        this.positionEmbeddings = checkpoint.tensor(TensorNames.POSITION_EMBEDDINGS).data();
        this.typeEmbeddings = checkpoint.tensor(TensorNames.TOKEN_TYPE_EMBEDDINGS).data();
        this.embeddingsLnWeight = vector(checkpoint, TensorNames.EMBEDDINGS_LN_WEIGHT);
        this.embeddingsLnBias = vector(checkpoint, TensorNames.EMBEDDINGS_LN_BIAS);
        this.queryScale = scalar(1.0f / (float) Math.sqrt(config.headDim()));
        this.layerNormEps = scalar((float) config.layerNormEps());
        this.fused = "PyTorch".equals(manager.getEngine().getEngineName());
        this.inverseSqrt2 = scalar((float) (1.0 / Math.sqrt(2.0)));
        this.one = scalar(1f);
        this.half = scalar(0.5f);
        this.layers = new LayerWeights[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            boolean attention = config.headsIn(l) > 0;
            boolean ffn = config.neuronsIn(l) > 0;
            layers[l] = new LayerWeights(
                    attention ? linear(checkpoint, TensorNames.query(l, "weight")) : null,
                    attention ? vector(checkpoint, TensorNames.query(l, "bias")) : null,
                    attention ? linear(checkpoint, TensorNames.key(l, "weight")) : null,
                    attention ? vector(checkpoint, TensorNames.key(l, "bias")) : null,
                    attention ? linear(checkpoint, TensorNames.value(l, "weight")) : null,
                    attention ? vector(checkpoint, TensorNames.value(l, "bias")) : null,
                    attention ? linear(checkpoint, TensorNames.attentionOutput(l, "weight")) : null,
                    vector(checkpoint, TensorNames.attentionOutput(l, "bias")),
                    vector(checkpoint, TensorNames.attentionLayerNorm(l, "weight")),
                    vector(checkpoint, TensorNames.attentionLayerNorm(l, "bias")),
                    ffn ? linear(checkpoint, TensorNames.intermediate(l, "weight")) : null,
                    ffn ? vector(checkpoint, TensorNames.intermediate(l, "bias")) : null,
                    ffn ? linear(checkpoint, TensorNames.output(l, "weight")) : null,
                    vector(checkpoint, TensorNames.output(l, "bias")),
                    vector(checkpoint, TensorNames.outputLayerNorm(l, "weight")),
                    vector(checkpoint, TensorNames.outputLayerNorm(l, "bias")));
        }
        boolean pooler = checkpoint.hasPooler();
        this.poolerWeight = pooler ? linear(checkpoint, TensorNames.POOLER_WEIGHT) : null;
        this.poolerBias = pooler ? vector(checkpoint, TensorNames.POOLER_BIAS) : null;
        boolean head = config.hasClassifier();
        this.classifierWeight = head ? linear(checkpoint, TensorNames.CLASSIFIER_WEIGHT) : null;
        this.classifierBias = head ? vector(checkpoint, TensorNames.CLASSIFIER_BIAS) : null;
    }

    /** Copies the checkpoint's weights into arrays of the default engine (PyTorch unless configured). */
    public static Encoder load(Checkpoint checkpoint) {
        return load(checkpoint, null);
    }

    /**
     * Copies the checkpoint's weights into arrays of the named DJL engine ("PyTorch", "TensorFlow"), or of the
     * default engine when null.
     */
    public static Encoder load(Checkpoint checkpoint, String engine) {
        return load(checkpoint, engine, DeviceChoice.CPU);
    }

    /** Copies the weights onto the device {@code device} chooses on the named engine (null: the default). */
    public static Encoder load(Checkpoint checkpoint, String engine, DeviceChoice device) {
        Device d = device.resolve(engine);
        NDManager m = engine == null ? NDManager.newBaseManager(d) : NDManager.newBaseManager(d, engine);
        try {
            return new Encoder(checkpoint, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** The device the weights live on and passes run on, e.g. "cpu()" or "gpu(0)". */
    public String deviceName() {
        return manager.getDevice().toString();
    }

    /** The engine the weights live on. */
    public String engineName() {
        return manager.getEngine().getEngineName();
    }

    /** A new manager on this encoder's engine and device, for per-pass arrays; the caller closes it. */
    public NDManager newScope() {
        return NDManager.newBaseManager(manager.getDevice(), manager.getEngine().getEngineName());
    }

    /** Full forward pass with every unit kept. */
    public EncoderOutput forward(NDManager scope, TokenBatch batch) {
        return forward(scope, batch, Gates.NONE, false);
    }

    /** Full forward pass from the embeddings. */
    public EncoderOutput forward(NDManager scope, TokenBatch batch, Gates gates, boolean keepFeatures) {
        NDArray bias = attentionBias(scope, batch);
        NDArray x = embed(scope, batch);
        return forwardFrom(0, x, bias, attentionMask(scope, batch), gates, keepFeatures);
    }

    /**
     * Runs layers {@code start .. L-1} from the given input of layer {@code start}, then pooling and the head.
     *
     * @param hidden input of layer start, [R, S, d]
     * @param bias   attention bias [R, 1, 1, S] from {@link #attentionBias}
     * @param mask   attention mask [R, S] as float 1/0, for mean pooling
     */
    public EncoderOutput forwardFrom(int start, NDArray hidden, NDArray bias, NDArray mask, Gates gates,
                                     boolean keepFeatures) {
        if (start < 0 || start > config.numLayers()) {
            throw new IllegalArgumentException("start layer must be in [0, " + config.numLayers() + "], was "
                    + start);
        }
        NDArray[] features = new NDArray[config.numLayers()];
        NDArray x = hidden;
        for (int l = start; l < config.numLayers(); l++) {
            NDArray a = attention(l, x, bias, gates.heads(l));
            NDArray f = feedForward(l, a, gates.neurons(l));
            x = addNorm(l, a, f);
            if (keepFeatures) {
                features[l] = f;
            }
        }
        return head(x, mask, features);
    }

    /** Pooling and classifier on final hidden states. */
    public EncoderOutput head(NDArray hidden, NDArray mask, NDArray[] features) {
        NDArray pooled = pool(hidden, mask);
        NDArray logits = classifierWeight == null ? null : pooled.matMul(classifierWeight).add(classifierBias);
        return new EncoderOutput(Arrays.asList(features.clone()), hidden, pooled, logits);
    }

    /** Sum of word, position and token-type embeddings, then LayerNorm: the input of layer 0, [B, S, d]. */
    public NDArray embed(NDManager scope, TokenBatch batch) {
        int b = batch.size();
        int s = batch.sequenceLength();
        int d = config.hiddenSize();
        if (s > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + s + " exceeds max_position_embeddings "
                    + config.maxPositions());
        }
        float[] out = new float[b * s * d];
        for (int r = 0; r < b; r++) {
            for (int p = 0; p < s; p++) {
                long id = batch.id(r, p);
                long type = batch.typeId(r, p);
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " at row " + r + ", position " + p
                            + " is outside the vocabulary of " + config.vocabSize());
                }
                if (type < 0 || type >= config.typeVocabSize()) {
                    throw new IllegalArgumentException("token type " + type + " at row " + r + ", position " + p
                            + " is outside type_vocab_size " + config.typeVocabSize());
                }
                int o = (r * s + p) * d;
                int w = (int) id * d;
                int q = p * d;
                int t = (int) type * d;
                for (int i = 0; i < d; i++) {
                    out[o + i] = wordEmbeddings[w + i] + positionEmbeddings[q + i] + typeEmbeddings[t + i];
                }
            }
        }
        NDArray x = scope.create(out, new Shape(b, s, d));
        return layerNorm(x, embeddingsLnWeight, embeddingsLnBias);
    }

    /** Attention bias [B, 1, 1, S]: 0 where there is a token, a large negative number on padding. */
    public NDArray attentionBias(NDManager scope, TokenBatch batch) {
        long[] m = batch.attentionMask();
        float[] bias = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            bias[i] = m[i] != 0 ? 0f : MASKED;
        }
        return scope.create(bias, new Shape(batch.size(), 1, 1, batch.sequenceLength()));
    }

    /** Attention mask as float [B, S]. */
    public NDArray attentionMask(NDManager scope, TokenBatch batch) {
        long[] m = batch.attentionMask();
        float[] f = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            f[i] = m[i] != 0 ? 1f : 0f;
        }
        return scope.create(f, new Shape(batch.size(), batch.sequenceLength()));
    }

    /**
     * The attention sub-layer: a = LN(x + Attention(x)), [R, S, d].
     *
     * @param headGate null, [h_l] or [R, h_l]
     */
    public NDArray attention(int l, NDArray x, NDArray bias, NDArray headGate) {
        LayerWeights w = layers[l];
        if (w.wq == null) {
            return layerNorm(x.add(w.bo), w.ln1w, w.ln1b);
        }
        return layerNorm(x.add(attentionOutput(l, x, bias, headGate)), w.ln1w, w.ln1b);
    }

    /** The attention block's output before residual: concat(ctx) W_o + b_o, [R, S, d]. */
    public NDArray attentionOutput(int l, NDArray x, NDArray bias, NDArray headGate) {
        LayerWeights w = layers[l];
        if (w.wq == null) {
            return x.zerosLike().add(w.bo);
        }
        return attentionContext(l, x, bias, headGate).matMul(w.wo).add(w.bo);
    }

    /**
     * The input of the attention output projection: concat_h(ctx_h · g_head[h]), [R, S, h_l·d_h] (column
     * h·d_h + j is dimension j of head h); all zeros [R, S, 0] for a layer without heads. Least-squares
     * reconstruction refits W_o over these columns; {@link #attentionOutput} projects them.
     *
     * @param headGate null, [h_l] or [R, h_l]
     */
    public NDArray attentionContext(int l, NDArray x, NDArray bias, NDArray headGate) {
        LayerWeights w = layers[l];
        long r = x.getShape().get(0);
        long s = x.getShape().get(1);
        int h = config.headsIn(l);
        int dh = config.headDim();
        if (w.wq == null) {
            return x.getManager().zeros(new Shape(r, s, 0));
        }
        NDArray q = split(x.matMul(w.wq).add(w.bq).mul(queryScale), r, s, h, dh);
        NDArray k = x.matMul(w.wk).add(w.bk).reshape(r, s, h, dh).transpose(0, 2, 3, 1);
        NDArray v = split(x.matMul(w.wv).add(w.bv), r, s, h, dh);
        NDArray ctx = q.matMul(k).add(bias).softmax(-1).matMul(v);
        if (headGate != null) {
            ctx = ctx.mul(gateShape(headGate, h, true));
        }
        return ctx.transpose(0, 2, 1, 3).reshape(r, s, (long) h * dh);
    }

    /** a = LN(x + y): the attention sub-layer's output for a given attention block output y [R, S, d]. */
    public NDArray attentionNorm(int l, NDArray x, NDArray attentionOut) {
        LayerWeights w = layers[l];
        return layerNorm(x.add(attentionOut), w.ln1w, w.ln1b);
    }

    /**
     * The FFN block's output before residual: F_l = (GELU(a W_1 + b_1) · g) W_2 + b_2, [R, S, d].
     *
     * @param neuronGate null, [f_l] or [R, f_l]
     */
    public NDArray feedForward(int l, NDArray a, NDArray neuronGate) {
        LayerWeights w = layers[l];
        if (w.w1 == null) {
            return a.zerosLike().add(w.b2);
        }
        NDArray act = activation(l, a);
        if (neuronGate != null) {
            act = act.mul(gateShape(neuronGate, config.neuronsIn(l), false));
        }
        return act.matMul(w.w2).add(w.b2);
    }

    /** GELU(a W_1 + b_1), the FFN activations [R, S, f_l]. */
    public NDArray activation(int l, NDArray a) {
        LayerWeights w = layers[l];
        return gelu(a.matMul(w.w1).add(w.b1));
    }

    /** out = LN(a + F_l): the layer's output. */
    public NDArray addNorm(int l, NDArray a, NDArray feature) {
        LayerWeights w = layers[l];
        return layerNorm(a.add(feature), w.ln2w, w.ln2b);
    }

    /** The rows of W_2 [f_l, d] (in-out layout): what each neuron adds to F_l per unit of activation. */
    public NDArray ffnOutputWeight(int l) {
        return layers[l].w2;
    }

    /** Sentence vectors [R, d] by the config's pooling. */
    public NDArray pool(NDArray hidden, NDArray mask) {
        switch (config.pooling()) {
            case MEAN -> {
                NDArray m = mask.expandDims(2);
                return hidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}));
            }
            case POOLER -> {
                NDArray cls = hidden.get(new NDIndex(":, 0, :"));
                if (poolerWeight == null) {
                    return cls;
                }
                return cls.matMul(poolerWeight).add(poolerBias).tanh();
            }
            default -> {
                return hidden.get(new NDIndex(":, 0, :"));
            }
        }
    }

    private NDArray gateShape(NDArray gate, int units, boolean heads) {
        Shape shape = gate.getShape();
        long rows = shape.dimension() == 1 ? 1 : shape.get(0);
        if (shape.get(shape.dimension() - 1) != units) {
            throw new IllegalArgumentException((heads ? "head" : "neuron") + " gate has shape " + shape
                    + ", expected last dimension " + units);
        }
        return heads ? gate.reshape(rows, units, 1, 1) : gate.reshape(rows, 1, units);
    }

    private static NDArray split(NDArray t, long r, long s, int h, int dh) {
        return t.reshape(r, s, h, dh).transpose(0, 2, 1, 3);
    }

    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        if (fused) {
            return x.getNDArrayInternal().layerNorm(x, new Shape(x.getShape().getLastDimension()), weight, bias,
                    (float) config.layerNormEps()).singletonOrThrow();
        }
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray centred = x.sub(mean);
        NDArray var = centred.square().mean(new int[] {-1}, true);
        return centred.div(var.add(layerNormEps).sqrt()).mul(weight).add(bias);
    }

    private NDArray gelu(NDArray x) {
        if (fused) {
            return x.getNDArrayInternal().gelu();
        }
        return x.mul(x.mul(inverseSqrt2).erf().add(one)).mul(half);
    }

    /**
     * Bytes of the weights this encoder holds on its engine, what a memory budget counts for the model (the
     * embedding tables stay in the Java heap, which the budget counts at its maximum).
     */
    public long weightBytes() {
        return weightBytes;
    }

    private NDArray scalar(float value) {
        return manager.create(new float[] {value}, new Shape());
    }

    private NDArray vector(Checkpoint c, String name) {
        FloatTensor t = c.tensor(name);
        weightBytes += 4L * t.data().length;
        return manager.create(t.data(), new Shape(t.shape()));
    }

    /** Hugging Face [out, in] stored as [in, out] so activations multiply from the left. */
    private NDArray linear(Checkpoint c, String name) {
        FloatTensor t = c.tensor(name).transposed();
        weightBytes += 4L * t.data().length;
        return manager.create(t.data(), new Shape(t.shape()));
    }

    /** Collected layer inputs etc. are the caller's; this closes only the weights. */
    @Override
    public void close() {
        manager.close();
    }

    /** Names the layers' kept sizes, for logs. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            parts.add(config.headsIn(l) + "h/" + config.neuronsIn(l) + "n");
        }
        return "Encoder" + parts + " on " + engineName();
    }
}
