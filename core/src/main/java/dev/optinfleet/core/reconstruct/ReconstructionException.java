package dev.optinfleet.core.reconstruct;

/**
 * Reconstruction cannot go on: the calibration statistics of a sublayer are not finite (the model or the data
 * produce NaN or infinite activations) or cannot be solved. Not worth retrying with the same inputs. The message
 * names the layer, the sublayer and, for statistics, the calibration shard and rows.
 */
public final class ReconstructionException extends RuntimeException {
    private final int layer;
    private final String sublayer;

    public ReconstructionException(int layer, String sublayer, String message) {
        super("reconstruction of layer " + layer + " " + sublayer + ": " + message);
        this.layer = layer;
        this.sublayer = sublayer;
    }

    public int layer() {
        return layer;
    }

    public String sublayer() {
        return sublayer;
    }
}
