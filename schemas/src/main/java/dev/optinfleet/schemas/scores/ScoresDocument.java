package dev.optinfleet.schemas.scores;

import dev.optinfleet.schemas.Checks;
import dev.optinfleet.schemas.task.UnitTermsMessage;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * scores.json: a job's merged raw terms and the importance derived from them, enough to answer any new budget
 * without rescoring. Schema: {@code /schemas/scores.schema.json}.
 *
 * @param schemaVersion     1
 * @param modelName         the dense model
 * @param weightsSha256     its weights' hash
 * @param settings          scoring settings as recorded in mask.json
 * @param outputWeight      w used to combine the terms
 * @param tokensPerSequence s of the FLOP model
 * @param sampleLengths     non-padding length of every calibration sample, shard by shard
 * @param terms             summed feature and output terms per layer and kind
 * @param headScores        importance [L][H]
 * @param neuronScores      importance [L][F]
 */
public record ScoresDocument(int schemaVersion, String modelName, String weightsSha256, Map<String, Object> settings,
                             double outputWeight, double tokensPerSequence, int[] sampleLengths,
                             List<UnitTermsMessage> terms, double[][] headScores, double[][] neuronScores) {
    public static final int SCHEMA_VERSION = 1;

    public ScoresDocument {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("model_name", modelName);
        Checks.required("weights_sha256", weightsSha256);
        Objects.requireNonNull(settings, "settings is required");
        Objects.requireNonNull(sampleLengths, "sample_lengths is required");
        terms = Checks.nonEmpty("terms", terms);
        Objects.requireNonNull(headScores, "head_scores is required");
        Objects.requireNonNull(neuronScores, "neuron_scores is required");
        if (headScores.length != neuronScores.length || headScores.length == 0) {
            throw new IllegalArgumentException("head_scores has " + headScores.length + " layers but neuron_scores has "
                    + neuronScores.length);
        }
        for (int l = 0; l < headScores.length; l++) {
            if (headScores[l].length != headScores[0].length || neuronScores[l].length != neuronScores[0].length) {
                throw new IllegalArgumentException("layer " + l + " of head_scores/neuron_scores has another width"
                        + " than layer 0");
            }
        }
        if (!(tokensPerSequence > 0)) {
            throw new IllegalArgumentException("tokens_per_sequence must be > 0, was " + tokensPerSequence);
        }
    }
}
