package dev.optinfleet.core.scoring;

import java.util.Arrays;

/**
 * Turns accumulated terms into one importance per unit (larger = more important), the same way for every scorer:
 * <pre>
 *   score_u = (F_u + w · O_u) × (head multiplier if u is a head) × (last-layer multiplier if u is in layer L-1)
 * </pre>
 * For {@code trajectory}, w is fixed in the settings or derived once per job so that the output term is about
 * 1/lambda of the feature term: w = median(F) / (lambda · median(O)) over all units, order-independent, and
 * recorded with the result. For {@code output} and {@code fisher} the score is the output term alone.
 */
public final class ScoreCombiner {
    private ScoreCombiner() {
    }

    /**
     * Importance of every head [L][H] and neuron [L][F], and the output weight w that was used.
     *
     * @param headScores   per layer, per head
     * @param neuronScores per layer, per neuron
     * @param outputWeight w
     */
    public record Combined(double[][] headScores, double[][] neuronScores, double outputWeight) {
    }

    /**
     * @param hasClassifier whether the model has a classification head: the paper's output term exists only then,
     *                      so {@code trajectory} on a headless model is its feature term alone (w = 0);
     *                      {@code fisher_trajectory} balances the pooled output's term in either case
     */
    public static Combined combine(TermTable table, ScoringSettings settings, boolean hasClassifier) {
        // The paper's output term exists only with a classifier; the gradient estimate keeps the pooled output's
        // drift, which is what a headless (embedding) model delivers.
        double w = settings.scorer() == ScorerKind.TRAJECTORY && !hasClassifier ? 0.0 : outputWeight(table, settings);
        // Only trajectory has a feature term; the others ignore one a shared table may hold.
        double featureWeight = settings.needsFeatureTerm() ? 1.0 : 0.0;
        double[][] h = new double[table.layers()][table.heads()];
        double[][] n = new double[table.layers()][table.neurons()];
        int last = table.layers() - 1;
        for (int l = 0; l < table.layers(); l++) {
            double layerFactor = l == last ? settings.lastLayerMultiplier() : 1.0;
            for (int i = 0; i < table.heads(); i++) {
                h[l][i] = (featureWeight * table.feature(UnitKind.HEAD, l, i) + w * table.output(UnitKind.HEAD, l, i))
                        * settings.headMultiplier() * layerFactor;
            }
            for (int i = 0; i < table.neurons(); i++) {
                n[l][i] = (featureWeight * table.feature(UnitKind.NEURON, l, i)
                        + w * table.output(UnitKind.NEURON, l, i))
                        * layerFactor;
            }
        }
        return new Combined(h, n, w);
    }

    static double outputWeight(TermTable table, ScoringSettings settings) {
        if (!settings.needsFeatureTerm()) {
            return 1.0;
        }
        if (!Double.isNaN(settings.outputWeight())) {
            return settings.outputWeight();
        }
        int count = table.layers() * (table.heads() + table.neurons());
        double[] f = new double[count];
        double[] o = new double[count];
        int k = 0;
        for (UnitKind kind : UnitKind.values()) {
            int width = kind == UnitKind.HEAD ? table.heads() : table.neurons();
            for (int l = 0; l < table.layers(); l++) {
                for (int i = 0; i < width; i++) {
                    f[k] = table.feature(kind, l, i);
                    o[k] = table.output(kind, l, i);
                    k++;
                }
            }
        }
        double medianOutput = median(o);
        if (medianOutput <= 0) {
            return 0.0; // no measurable output term (e.g. a model without a head): the feature term decides
        }
        return median(f) / (settings.lambda() * medianOutput);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }
}
