package dev.optinfleet.core.flops;

/**
 * Cost of one masked or sliced model against its dense original, per sequence of {@code tokensPerSequence} tokens,
 * in multiply-accumulates (MACs); see {@link FlopModel} for the formulas.
 *
 * <pre>
 *   prunableBefore = L·H·headMacs + L·F·neuronMacs
 *   prunableAfter  = keptHeads·headMacs + keptNeurons·neuronMacs
 *   totalBefore    = prunableBefore + nonPrunable
 *   totalAfter     = prunableAfter  + nonPrunable
 * </pre>
 *
 * @param tokensPerSequence s used for every count
 * @param headMacs          MACs of one head, 4·s·d·d_h + 2·s²·d_h
 * @param neuronMacs        MACs of one FFN neuron, 2·s·d
 * @param keptHeads         heads kept, of {@code totalHeads} = L·H
 * @param totalHeads        L·H
 * @param keptNeurons       neurons kept, of {@code totalNeurons} = L·F
 * @param totalNeurons      L·F
 * @param prunableBefore    MACs of all heads and neurons of the dense model
 * @param prunableAfter     MACs of the kept heads and neurons
 * @param nonPrunable       MACs that pruning does not change (LayerNorms, pooler, classifier)
 * @param paramsBefore      parameters of the dense model
 * @param paramsAfter       parameters once removed heads and neurons are sliced away
 */
public record FlopReport(double tokensPerSequence, double headMacs, double neuronMacs, int keptHeads, int totalHeads,
                         int keptNeurons, int totalNeurons, double prunableBefore, double prunableAfter,
                         double nonPrunable, long paramsBefore, long paramsAfter) {

    public FlopReport {
        finitePositive("tokens_per_sequence", tokensPerSequence);
        finitePositive("head_macs", headMacs);
        finitePositive("neuron_macs", neuronMacs);
        if (keptHeads < 0 || keptHeads > totalHeads) {
            throw new IllegalArgumentException("kept_heads must be in [0, " + totalHeads + "], was " + keptHeads);
        }
        if (keptNeurons < 0 || keptNeurons > totalNeurons) {
            throw new IllegalArgumentException("kept_neurons must be in [0, " + totalNeurons + "], was "
                    + keptNeurons);
        }
        finitePositive("prunable_before", prunableBefore);
        if (!(prunableAfter >= 0 && prunableAfter <= prunableBefore)) {
            throw new IllegalArgumentException("prunable_after must be in [0, prunable_before = " + prunableBefore
                    + "], was " + prunableAfter);
        }
        if (!(nonPrunable >= 0 && Double.isFinite(nonPrunable))) {
            throw new IllegalArgumentException("non_prunable must be finite and >= 0, was " + nonPrunable);
        }
        if (paramsAfter < 0 || paramsAfter > paramsBefore) {
            throw new IllegalArgumentException("params_after must be in [0, params_before = " + paramsBefore
                    + "], was " + paramsAfter);
        }
    }

    /** MACs of the dense model: prunable plus non-prunable. */
    public double totalBefore() {
        return prunableBefore + nonPrunable;
    }

    /** MACs of the pruned model: kept prunable plus non-prunable. */
    public double totalAfter() {
        return prunableAfter + nonPrunable;
    }

    /** prunableAfter / prunableBefore: the budget C this mask actually meets. */
    public double keptFraction() {
        return prunableAfter / prunableBefore;
    }

    /** totalAfter / totalBefore. */
    public double totalKeptFraction() {
        return totalAfter() / totalBefore();
    }

    private static void finitePositive(String field, double value) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(field + " must be finite and > 0, was " + value);
        }
    }
}
