package dev.optinfleet.core.scoring;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.optinfleet.core.memory.NativeHeap;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.tokenize.TokenBatch;

/**
 * Gate gradients of one micro-batch: one forward pass with a gate row per sample (heads [b, H], neurons [b, F]
 * per layer, all 1), then one backward pass per probe. Because sample i's gates only touch sample i, the gradient
 * of Σ_i r_i · z_i at gate row i is sample i's own gradient: no stacked copies are needed.
 *
 * <ul>
 *   <li>output probes: backward of z [b, C] with grad_output r_p [b, C];</li>
 *   <li>feature probes: backward of Σ_l Σ (s_pl ⊙ G_l), G_l = U_l U_lᵀ [b, S, S] the Gram matrix of the
 *       L2-normalised layer-l features.</li>
 * </ul>
 *
 * <p>On PyTorch the graph is kept between the backward passes (one forward for all probes); on other engines
 * the forward pass is repeated for each probe. Each layer's forward runs in its own sub-scope, so a pass holds
 * what autograd saved for backward and one layer's temporaries, not every temporary of every layer
 * ({@link GradientMemory} plans from that). Uses the engine's single gradient collector: one pass at a time per
 * process.
 */
final class GradientPass {

    /** What a pass asks of its caller: probes, and where each probe's gradients go. */
    interface Probes {
        /** Output probe p for this pass's samples, [b · width], from the dense outputs z [b · width]. */
        float[] output(int probe, float[] z, int width);

        /** Feature probe p at layer l, [b · S · S], zero wherever either token is padding. */
        float[] gram(int probe, int layer);

        /** Gradients of probe p: heads[l] [b · H], neurons[l] [b · F]. */
        void accept(int probe, boolean feature, float[][] heads, float[][] neurons);
    }

    private GradientPass() {
    }

    static void run(Encoder encoder, TokenBatch batch, int probes, boolean features, Probes sink) {
        run(encoder, batch, probes, features, sink, "PyTorch".equals(encoder.engineName()));
    }

    /** With {@code retainGraph} false, one forward pass per probe (any engine; the reference in tests). */
    static void run(Encoder encoder, TokenBatch batch, int probes, boolean features, Probes sink,
                    boolean retainGraph) {
        NativeHeap.use(NativeHeap.Profile.GRADIENT);
        if (retainGraph) {
            retained(encoder, batch, probes, features, sink);
        } else {
            repeated(encoder, batch, probes, features, sink);
        }
    }

    private record Graph(NDArray output, NDArray[] grams, NDArray[] headGates, NDArray[] neuronGates) {
    }

    private static void retained(Encoder encoder, TokenBatch batch, int probes, boolean features, Probes sink) {
        int layers = encoder.config().numLayers();
        int backwards = probes * (features ? 2 : 1);
        try (NDManager scope = encoder.newScope();
             GradientCollector ignored = scope.getEngine().newGradientCollector()) {
            Graph g = forward(encoder, scope, batch, features);
            float[] z = values(g.output);
            int width = (int) g.output.getShape().get(1);
            int done = 0;
            for (int p = 0; p < probes; p++) {
                try (NDManager probeScope = scope.newSubManager()) {
                    NDArray r = probeScope.create(sink.output(p, z, width), g.output.getShape());
                    JniUtils.backward((PtNDArray) g.output, (PtNDArray) r, ++done < backwards, false);
                }
                deliver(g, p, false, sink);
            }
            for (int p = 0; features && p < probes; p++) {
                try (NDManager probeScope = scope.newSubManager()) {
                    NDArray projection = gramProjection(probeScope, g, p, sink, batch, layers);
                    NDArray one = probeScope.ones(projection.getShape());
                    JniUtils.backward((PtNDArray) projection, (PtNDArray) one, ++done < backwards, false);
                }
                deliver(g, p, true, sink);
            }
        }
    }

    private static void repeated(Encoder encoder, TokenBatch batch, int probes, boolean features, Probes sink) {
        int layers = encoder.config().numLayers();
        float[] z = null;
        for (int k = 0; k < probes * (features ? 2 : 1); k++) {
            boolean feature = k >= probes;
            int p = k % probes;
            try (NDManager scope = encoder.newScope()) {
                Graph g;
                try (GradientCollector collector = scope.getEngine().newGradientCollector()) {
                    g = forward(encoder, scope, batch, features);
                    if (z == null) {
                        z = values(g.output);
                    }
                    NDArray projection = feature ? gramProjection(scope, g, p, sink, batch, layers)
                            : scope.create(sink.output(p, z, (int) g.output.getShape().get(1)), g.output.getShape())
                            .mul(g.output).sum();
                    collector.backward(projection);
                }
                deliver(g, p, feature, sink);
            }
        }
    }

    private static Graph forward(Encoder encoder, NDManager scope, TokenBatch batch, boolean features) {
        ModelConfig c = encoder.config();
        int layers = c.numLayers();
        int rows = batch.size();
        NDArray[] headGates = new NDArray[layers];
        NDArray[] neuronGates = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            headGates[l] = scope.ones(new Shape(rows, c.numHeads()));
            neuronGates[l] = scope.ones(new Shape(rows, c.intermediateSize()));
            headGates[l].setRequiresGradient(true);
            neuronGates[l].setRequiresGradient(true);
        }
        NDArray bias = encoder.attentionBias(scope, batch);
        NDArray mask = encoder.attentionMask(scope, batch);
        NDArray x = encoder.embed(scope, batch);
        NDArray[] grams = features ? new NDArray[layers] : null;
        for (int l = 0; l < layers; l++) {
            // Arrays made from Java data (bias, mask, gates, the embeddings) stay in the pass scope: autograd may
            // read them during backward. Engine results of a layer may go: autograd keeps what it saved.
            try (NDManager layer = scope.newSubManager()) {
                if (l > 0) {
                    x.attach(layer);
                }
                NDArray a = encoder.attention(l, x, bias, headGates[l]);
                NDArray f = encoder.feedForward(l, a, neuronGates[l]);
                NDArray next = encoder.addNorm(l, a, f);
                if (features) {
                    NDArray unit = f.div(f.square().sum(new int[] {-1}, true).sqrt());
                    grams[l] = unit.matMul(unit.transpose(0, 2, 1));
                    grams[l].attach(scope);
                }
                next.attach(scope);
                x = next;
            }
        }
        EncoderOutput out = encoder.head(x, mask, new NDArray[layers]);
        return new Graph(out.output(), grams, headGates, neuronGates);
    }

    /** Σ_l Σ (s_pl ⊙ G_l), a scalar whose arrays live in {@code probeScope}. */
    private static NDArray gramProjection(NDManager probeScope, Graph g, int p, Probes sink, TokenBatch batch,
                                          int layers) {
        Shape shape = new Shape(batch.size(), batch.sequenceLength(), batch.sequenceLength());
        NDArray projection = null;
        for (int l = 0; l < layers; l++) {
            // The probe on the left: the products land in the probe's scope and go with it.
            NDArray term = probeScope.create(sink.gram(p, l), shape).mul(g.grams[l]).sum();
            projection = projection == null ? term : projection.add(term);
        }
        return projection;
    }

    private static float[] values(NDArray output) {
        return output.stopGradient().toFloatArray();
    }

    private static void deliver(Graph g, int probe, boolean feature, Probes sink) {
        int layers = g.headGates.length;
        float[][] heads = new float[layers][];
        float[][] neurons = new float[layers][];
        for (int l = 0; l < layers; l++) {
            heads[l] = takeGradient(g.headGates[l]);
            neurons[l] = takeGradient(g.neuronGates[l]);
        }
        sink.accept(probe, feature, heads, neurons);
    }

    /** The gate's accumulated gradient, then zeroed: backward passes add into it. */
    private static float[] takeGradient(NDArray gate) {
        try (NDArray grad = gate.getGradient()) {
            float[] values = grad.toFloatArray();
            if (gate instanceof PtNDArray pt) {
                JniUtils.zeroGrad(pt);
            }
            return values;
        }
    }
}
