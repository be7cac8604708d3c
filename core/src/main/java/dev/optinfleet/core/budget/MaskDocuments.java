package dev.optinfleet.core.budget;

import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.flops.FlopReport;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.schemas.mask.MaskDocument;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Maps between the solver's {@link SolvedMask} with its {@link FlopReport} and the {@code mask.json} record
 * {@link MaskDocument}: kept units become 1, removed units 0, heads [L][H] and neurons [L][F]. Pure functions.
 */
public final class MaskDocuments {

    private MaskDocuments() {
    }

    /**
     * The mask.json of a solved budget, with the cost accounting of {@code flops} for its mask.
     *
     * @param modelName     the model's name
     * @param weightsSha256 the weights' identity, e.g. {@code Checkpoint.weightsSha256()}
     * @param scorer        scorer name, e.g. {@code fisher}
     * @param settings      scorer settings as JSON values (numbers, strings, booleans, lists, maps), none null
     */
    public static MaskDocument of(String modelName, String weightsSha256, SolvedMask solved, FlopModel flops,
                                  String scorer, Map<String, ?> settings) {
        Objects.requireNonNull(solved, "solved");
        Objects.requireNonNull(flops, "flops");
        return of(modelName, weightsSha256, solved, flops.report(solved.mask()), scorer, settings);
    }

    /**
     * As {@link #of(String, String, SolvedMask, FlopModel, String, Map)} with a report already made for the same
     * mask. {@code kept_fraction} is the report's (prunable MACs after / before).
     *
     * @throws IllegalArgumentException when the report's kept counts are not the mask's
     */
    public static MaskDocument of(String modelName, String weightsSha256, SolvedMask solved, FlopReport report,
                                  String scorer, Map<String, ?> settings) {
        Objects.requireNonNull(solved, "solved");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(settings, "settings");
        UnitMask mask = solved.mask();
        if (report.keptHeads() != mask.keptHeadCount() || report.keptNeurons() != mask.keptNeuronCount()
                || report.totalHeads() != mask.layers() * mask.headsPerLayer()
                || report.totalNeurons() != mask.layers() * mask.neuronsPerLayer()) {
            throw new IllegalArgumentException("report counts " + report.keptHeads() + "/" + report.totalHeads()
                    + " heads and " + report.keptNeurons() + "/" + report.totalNeurons() + " neurons are not those of "
                    + mask);
        }
        int[][] heads = bits(mask.heads());
        int[][] neurons = bits(mask.neurons());
        return new MaskDocument(MaskDocument.SCHEMA_VERSION,
                new MaskDocument.Model(modelName, weightsSha256),
                solved.budget(),
                report.keptFraction(),
                solved.keptImportance(),
                report.tokensPerSequence(),
                new MaskDocument.Flops(report.prunableBefore(), report.prunableAfter(), report.totalBefore(),
                        report.totalAfter()),
                new MaskDocument.Params(report.paramsBefore(), report.paramsAfter()),
                MaskDocument.Kept.of(heads, neurons),
                new MaskDocument.Scoring(scorer, new LinkedHashMap<String, Object>(settings)),
                MaskDocument.Reconstruction.none(),
                heads, neurons);
    }

    /** The mask a document describes. */
    public static UnitMask toUnitMask(MaskDocument document) {
        Objects.requireNonNull(document, "document");
        return new UnitMask(booleans(document.heads()), booleans(document.neurons()));
    }

    /**
     * The mask a document describes, checked against the model it is applied to.
     *
     * @throws IllegalArgumentException when the document's L x H or L x F differs from the config's dense shape
     */
    public static UnitMask toUnitMask(MaskDocument document, ModelConfig config) {
        Objects.requireNonNull(config, "config");
        UnitMask mask = toUnitMask(document);
        if (mask.layers() != config.numLayers() || mask.headsPerLayer() != config.numHeads()
                || mask.neuronsPerLayer() != config.intermediateSize()) {
            throw new IllegalArgumentException("mask.json of " + document.model().name() + " is " + mask.layers()
                    + " x " + mask.headsPerLayer() + " heads, " + mask.layers() + " x " + mask.neuronsPerLayer()
                    + " neurons but the model has " + config.numLayers() + " x " + config.numHeads() + " heads, "
                    + config.numLayers() + " x " + config.intermediateSize() + " neurons");
        }
        return mask;
    }

    private static int[][] bits(boolean[][] rows) {
        int[][] b = new int[rows.length][];
        for (int l = 0; l < rows.length; l++) {
            b[l] = new int[rows[l].length];
            for (int i = 0; i < rows[l].length; i++) {
                b[l][i] = rows[l][i] ? 1 : 0;
            }
        }
        return b;
    }

    private static boolean[][] booleans(int[][] bits) {
        boolean[][] b = new boolean[bits.length][];
        for (int l = 0; l < bits.length; l++) {
            b[l] = new boolean[bits[l].length];
            for (int i = 0; i < bits[l].length; i++) {
                b[l][i] = bits[l][i] == 1;
            }
        }
        return b;
    }
}
