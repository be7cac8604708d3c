package dev.optinfleet.report;

import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.schemas.mask.MaskDocument;

import java.util.Arrays;
import java.util.Objects;

/**
 * One budget of a job as the report shows it, read off its mask.json. MACs are per sequence of s tokens (the job's
 * tokens per sequence); "prunable" counts heads and neurons only, "total" adds LayerNorms, pooler and classifier.
 * Prunable parameters are kept heads · (4·d·d_h + 3·d_h) + kept neurons · (2·d + 1) ({@link FlopModel}).
 *
 * @param budget                 kept fraction of prunable MACs asked for
 * @param keptFraction           prunable MACs after / before
 * @param keptImportance         Σ scores of the kept units
 * @param keptImportanceFraction keptImportance / Σ all scores (NaN when that sum is <= 0)
 * @param keptHeads              heads kept, of {@code totalHeads} = L·H
 * @param totalHeads             L·H
 * @param keptNeurons            neurons kept, of {@code totalNeurons} = L·F
 * @param totalNeurons           L·F
 * @param headsPerLayer          kept heads of each layer, length L
 * @param neuronsPerLayer        kept neurons of each layer, length L
 * @param prunableMacsBefore     dense prunable MACs
 * @param prunableMacsAfter      kept prunable MACs
 * @param totalMacsBefore        dense total MACs
 * @param totalMacsAfter         pruned total MACs
 * @param prunableParamsBefore   parameters of all heads and neurons
 * @param prunableParamsAfter    parameters of the kept heads and neurons
 * @param paramsBefore           parameters of the dense checkpoint
 * @param paramsAfter            parameters of the sliced checkpoint
 * @param onnxBytes              size of the budget's model.onnx (with its external data), -1 when not known
 */
public record BudgetSummary(double budget, double keptFraction, double keptImportance, double keptImportanceFraction,
                            int keptHeads, int totalHeads, int keptNeurons, int totalNeurons, int[] headsPerLayer,
                            int[] neuronsPerLayer, double prunableMacsBefore, double prunableMacsAfter,
                            double totalMacsBefore, double totalMacsAfter, long prunableParamsBefore,
                            long prunableParamsAfter, long paramsBefore, long paramsAfter, long onnxBytes) {

    public BudgetSummary {
        Objects.requireNonNull(headsPerLayer, "headsPerLayer");
        Objects.requireNonNull(neuronsPerLayer, "neuronsPerLayer");
        headsPerLayer = headsPerLayer.clone();
        neuronsPerLayer = neuronsPerLayer.clone();
        if (headsPerLayer.length != neuronsPerLayer.length) {
            throw new IllegalArgumentException("heads_per_layer has " + headsPerLayer.length
                    + " entries but neurons_per_layer has " + neuronsPerLayer.length);
        }
        if (Arrays.stream(headsPerLayer).sum() != keptHeads || Arrays.stream(neuronsPerLayer).sum() != keptNeurons) {
            throw new IllegalArgumentException("per-layer counts of budget " + budget + " do not add up to "
                    + keptHeads + " heads and " + keptNeurons + " neurons");
        }
    }

    /**
     * The summary of one mask.json.
     *
     * @param mask            the budget's mask.json
     * @param flops           the dense model's cost model (for prunable parameter counts)
     * @param totalImportance Σ all scores of the job, for {@code keptImportanceFraction}
     */
    public static BudgetSummary of(MaskDocument mask, FlopModel flops, double totalImportance) {
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(flops, "flops");
        MaskDocument.Kept kept = mask.kept();
        int totalHeads = mask.layers() * mask.headsPerLayer();
        int totalNeurons = mask.layers() * mask.neuronsPerLayer();
        long prunableBefore = totalHeads * flops.headParams() + totalNeurons * flops.neuronParams();
        long prunableAfter = kept.heads() * flops.headParams() + kept.neurons() * flops.neuronParams();
        return new BudgetSummary(mask.budget(), mask.keptFraction(), mask.keptImportance(),
                SolutionPath.fraction(mask.keptImportance(), totalImportance), kept.heads(), totalHeads,
                kept.neurons(), totalNeurons, kept.headsPerLayer(), kept.neuronsPerLayer(),
                mask.flops().prunableBefore(), mask.flops().prunableAfter(), mask.flops().totalBefore(),
                mask.flops().totalAfter(), prunableBefore, prunableAfter, mask.params().before(),
                mask.params().after(), -1);
    }

    /** The same summary with the size of the budget's model.onnx in bytes. */
    public BudgetSummary withOnnxBytes(long bytes) {
        return new BudgetSummary(budget, keptFraction, keptImportance, keptImportanceFraction, keptHeads, totalHeads,
                keptNeurons, totalNeurons, headsPerLayer, neuronsPerLayer, prunableMacsBefore, prunableMacsAfter,
                totalMacsBefore, totalMacsAfter, prunableParamsBefore, prunableParamsAfter, paramsBefore, paramsAfter,
                bytes);
    }

    /** L. */
    public int layers() {
        return headsPerLayer.length;
    }

    /** A copy. */
    @Override
    public int[] headsPerLayer() {
        return headsPerLayer.clone();
    }

    /** A copy. */
    @Override
    public int[] neuronsPerLayer() {
        return neuronsPerLayer.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BudgetSummary b && Double.compare(budget, b.budget) == 0
                && Double.compare(keptFraction, b.keptFraction) == 0
                && Double.compare(keptImportance, b.keptImportance) == 0 && keptHeads == b.keptHeads
                && keptNeurons == b.keptNeurons && Arrays.equals(headsPerLayer, b.headsPerLayer)
                && Arrays.equals(neuronsPerLayer, b.neuronsPerLayer) && paramsAfter == b.paramsAfter
                && Double.compare(prunableMacsAfter, b.prunableMacsAfter) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(budget, keptFraction, keptImportance, keptHeads, keptNeurons,
                Arrays.hashCode(headsPerLayer), Arrays.hashCode(neuronsPerLayer));
    }

    @Override
    public String toString() {
        return "BudgetSummary[budget=" + budget + ", kept_fraction=" + keptFraction + ", heads=" + keptHeads + "/"
                + totalHeads + " " + Arrays.toString(headsPerLayer) + ", neurons=" + keptNeurons + "/" + totalNeurons
                + "]";
    }
}
