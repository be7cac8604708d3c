package dev.optinfleet.core.scoring;

import dev.optinfleet.core.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Terms of the shape and size a real task's result has, with made-up values: for benchmarks of the fleet's own
 * work (dispatch, transfer, merge) without the scoring itself (the worker's {@code optin.worker.simulate-compute},
 * the merge benchmark). Never used to prune anything real.
 *
 * <p>Shape: what {@link TaskRunner} returns for the task: one range of the task's units for an exact task, every
 * head and neuron range of every layer for a gradient batch. Size: full-precision positive doubles (17 significant
 * digits in JSON, like real sums of squares), and zeros for the feature term when the scorer computes none, as the
 * real scorers leave it. Values are a pure function of {@code seed} and the task.
 */
public final class SyntheticTerms {
    private SyntheticTerms() {
    }

    /**
     * @param featureTerm whether the scorer computes the feature term ({@link ScoringSettings#needsFeatureTerm()})
     */
    public static List<UnitTerms> of(ModelConfig config, ScoringTask task, boolean featureTerm, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ task.toString().hashCode());
        List<UnitTerms> terms = new ArrayList<>();
        if (task instanceof ScoringTask.UnitRange u) {
            terms.add(range(u.layer(), u.kind(), u.from(), u.count(), featureTerm, random));
            return terms;
        }
        for (int l = 0; l < config.numLayers(); l++) {
            terms.add(range(l, UnitKind.HEAD, 0, config.numHeads(), featureTerm, random));
            terms.add(range(l, UnitKind.NEURON, 0, config.intermediateSize(), featureTerm, random));
        }
        return terms;
    }

    private static UnitTerms range(int layer, UnitKind kind, int from, int count, boolean featureTerm,
                                   SplittableRandom random) {
        double[] feature = new double[count];
        double[] output = new double[count];
        for (int i = 0; i < count; i++) {
            output[i] = random.nextDouble(1e-6, 1.0);
            feature[i] = featureTerm ? random.nextDouble(1e-6, 1.0) : 0.0;
        }
        return new UnitTerms(layer, kind, from, feature, output);
    }
}
