package dev.optinfleet.core.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.tokenize.TokenBatch;

/**
 * The unpruned model's pass over one calibration shard, kept for scoring: per layer l its input x_l, its
 * post-attention state a_l, its FFN activations and its feature F_l; the teacher Gram matrix of each layer over the
 * shard's K sampled token rows; and the teacher output z.
 *
 * <p>Every student pass starts from these (the input of layer l does not change when a unit of layer l is
 * removed), which is exact and saves the layers before l. Owns its arrays; close it after scoring the shard. Not
 * thread-safe: one scorer thread per teacher pass.
 */
public final class TeacherPass implements AutoCloseable {
    private final Encoder encoder;
    private final TokenBatch batch;
    private final NDManager manager;
    private final NDArray bias;
    private final NDArray mask;
    private final NDArray[] inputs;
    private final NDArray[] attended;
    private final NDArray[] activations;
    private final NDArray[] features;
    private final NDArray[] grams;
    private final NDArray sampleIndex;
    private final NDArray output;
    private final NDArray outputLogProbs;
    private final NDArray outputProbs;
    private final NDArray pooled64;
    private final int sampledRows;

    public TeacherPass(Encoder encoder, TokenBatch batch, ScoringSettings settings) {
        this.encoder = encoder;
        this.batch = batch;
        this.manager = encoder.newScope();
        try {
            int layers = encoder.config().numLayers();
            this.bias = encoder.attentionBias(manager, batch);
            this.mask = encoder.attentionMask(manager, batch);
            this.inputs = new NDArray[layers];
            this.attended = new NDArray[layers];
            this.activations = new NDArray[layers];
            this.features = new NDArray[layers];
            this.grams = new NDArray[layers];
            int[] positions = TokenSample.choose(batch, settings.tokenRows(), settings.seed());
            this.sampledRows = positions.length;
            long[] idx = new long[positions.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = positions[i];
            }
            this.sampleIndex = manager.create(idx);
            NDArray x = encoder.embed(manager, batch);
            for (int l = 0; l < layers; l++) {
                inputs[l] = x;
                attended[l] = encoder.attention(l, x, bias, null);
                if (encoder.config().neuronsIn(l) > 0) {
                    activations[l] = encoder.activation(l, attended[l]);
                }
                features[l] = encoder.feedForward(l, attended[l], null);
                grams[l] = gram(features[l], 1).squeeze(0);
                x = encoder.addNorm(l, attended[l], features[l]);
            }
            EncoderOutput out = encoder.head(x, mask, new NDArray[layers]);
            this.output = out.output();
            this.outputLogProbs = out.logits() == null ? null
                    : out.logits().toType(DataType.FLOAT64, false).logSoftmax(-1).expandDims(0);
            this.outputProbs = outputLogProbs == null ? null : outputLogProbs.exp();
            this.pooled64 = out.pooled().toType(DataType.FLOAT64, false).expandDims(0);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Encoder encoder() {
        return encoder;
    }

    public TokenBatch batch() {
        return batch;
    }

    public int sampledRows() {
        return sampledRows;
    }

    NDArray bias() {
        return bias;
    }

    NDArray mask() {
        return mask;
    }

    NDArray input(int layer) {
        return inputs[layer];
    }

    NDArray attended(int layer) {
        return attended[layer];
    }

    NDArray activations(int layer) {
        return activations[layer];
    }

    NDArray feature(int layer) {
        return features[layer];
    }

    /**
     * Gram matrices of the sampled, per-token L2-normalised rows of {@code n} stacked feature blocks
     * [n·B, S, d] -> [n, K, K], in float64 so that small drifts are not lost to rounding.
     */
    NDArray gram(NDArray feature, int n) {
        long s = batch.sequenceLength();
        long d = feature.getShape().get(2);
        NDArray rows = feature.reshape(n, batch.size() * s, d).get(new NDIndex(":, {}", sampleIndex))
                .toType(DataType.FLOAT64, false);
        NDArray unit = rows.div(rows.square().sum(new int[] {-1}, true).sqrt());
        return unit.matMul(unit.transpose(0, 2, 1));
    }

    /** Σ (G_teacher,l − G_student)² for each of the n stacked students: [n], float64. */
    NDArray gramDistance(int layer, NDArray studentFeature, int n) {
        return gram(studentFeature, n).sub(grams[layer]).square().sum(new int[] {1, 2});
    }

    /**
     * Output divergence of each of the n stacked students [n·B, ·] from the teacher: Σ_samples
     * KL(softmax(z_t) ‖ softmax(z_s)) with a classifier, else Σ_samples ‖pooled_t − pooled_s‖². [n], float64.
     */
    NDArray outputDivergence(EncoderOutput student, int n) {
        long b = batch.size();
        if (outputLogProbs != null) {
            NDArray ls = student.logits().toType(DataType.FLOAT64, false);
            ls = ls.reshape(n, b, ls.getShape().get(1)).logSoftmax(-1);
            // Student arrays stay on the left so results land in the student's scope, not the teacher's.
            return ls.neg().add(outputLogProbs).mul(outputProbs).sum(new int[] {1, 2});
        }
        NDArray zs = student.pooled().toType(DataType.FLOAT64, false);
        zs = zs.reshape(n, b, zs.getShape().get(1));
        return zs.sub(pooled64).square().sum(new int[] {1, 2});
    }

    /** Teacher output z: logits [B, C] with a head, else pooled [B, d]. */
    NDArray output() {
        return output;
    }

    @Override
    public void close() {
        manager.close();
    }
}
