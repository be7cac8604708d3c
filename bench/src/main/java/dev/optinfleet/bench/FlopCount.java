package dev.optinfleet.bench;

import dev.optinfleet.core.model.ModelConfig;

/** FLOPs (2 per multiply-accumulate) of a dense forward pass of the encoder layers. */
final class FlopCount {
    private FlopCount() {
    }

    /** Q/K/V/O (4·d²) and FFN (2·d·F) per token, scores and context (2·S·d) per token, for every layer. */
    static double forward(ModelConfig c, int batch, int seq) {
        double tokens = (double) batch * seq;
        double d = c.hiddenSize();
        double perLayer = tokens * (4 * d * d + 2 * d * c.intermediateSize()) + 2.0 * batch * seq * seq * d;
        return 2 * perLayer * c.numLayers();
    }
}
