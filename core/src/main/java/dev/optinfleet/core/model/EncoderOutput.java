package dev.optinfleet.core.model;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * What one forward pass produced, all in the caller's scope manager.
 *
 * @param features per-layer features F_j = the second FFN linear's output before residual and LayerNorm,
 *                 [R, S, d] each; index j is the layer, entries before the start layer (or all, when features
 *                 were not requested) are null
 * @param hidden   final hidden states [R, S, d]
 * @param pooled   sentence vectors [R, d] by the config's pooling
 * @param logits   classifier outputs [R, C], or null without a classification head
 */
public record EncoderOutput(List<NDArray> features, NDArray hidden, NDArray pooled, NDArray logits) {

    /** z of optin.md: the logits when there is a head, else the pooled output. */
    public NDArray output() {
        return logits != null ? logits : pooled;
    }
}
