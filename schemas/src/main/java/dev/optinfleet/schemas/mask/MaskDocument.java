package dev.optinfleet.schemas.mask;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code mask.json}: which heads and neurons of a model a pruning job keeps for one budget, with the cost accounting
 * and the scoring settings that produced it. Schema: {@value #SCHEMA_RESOURCE} on the classpath; codec:
 * {@link MaskJson}. JSON names are snake_case.
 *
 * <p>Shapes: {@code heads} is [L][H] and {@code neurons} [L][F] of 0 (removed) and 1 (kept), L >= 1, every row of a
 * matrix the same length. Costs are multiply-accumulates (MACs) per sequence of {@code tokens_per_sequence} tokens;
 * the budget is the fraction of the dense model's prunable (head and neuron) MACs the mask may keep.
 *
 * <p>The compact constructor checks every field and the consistency between them (counts against the matrices,
 * {@code kept_fraction} against the FLOPs) and names the first bad field and value. Arrays are copied in and out.
 *
 * @param schemaVersion     {@value #SCHEMA_VERSION}
 * @param model             which weights the mask applies to
 * @param budget            kept fraction of prunable MACs asked for, in (0, 1]
 * @param keptFraction      prunable_after / prunable_before of this mask, in [0, 1]
 * @param keptImportance    sum of the kept units' scores (what the solver maximised), in the scorer's units
 * @param tokensPerSequence s used for the MAC counts, > 0
 * @param flops             MACs per sequence, before and after
 * @param params            parameter counts, before and after slicing
 * @param kept              kept unit counts, in total and per layer
 * @param scoring           scorer name and its settings
 * @param reconstruction    whether and how the kept weights were refit after masking (repair {@code none}: the
 *                          pruned checkpoint is the dense one sliced; otherwise its output projections are the
 *                          refit ones)
 * @param heads             [L][H] 0/1
 * @param neurons           [L][F] 0/1
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"schema_version", "model", "budget", "kept_fraction", "kept_importance", "tokens_per_sequence",
        "flops", "params", "kept", "scoring", "reconstruction", "heads", "neurons"})
public record MaskDocument(int schemaVersion, Model model, double budget, double keptFraction, double keptImportance,
                           double tokensPerSequence, Flops flops, Params params, Kept kept, Scoring scoring,
                           Reconstruction reconstruction, int[][] heads, int[][] neurons) {

    /** 2 added {@code reconstruction}; version 1 documents are read as repair {@code none} ({@link MaskJson}). */
    public static final int SCHEMA_VERSION = 2;
    /** Classpath location of the JSON Schema of this document. */
    public static final String SCHEMA_RESOURCE = "/schemas/mask.schema.json";
    /** The conventional file name. */
    public static final String FILE_NAME = "mask.json";

    /** Slack allowed between kept_fraction and prunable_after / prunable_before. */
    static final double FRACTION_TOLERANCE = 1e-6;

    public MaskDocument {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("schema_version " + schemaVersion + " is not supported; this build reads "
                    + SCHEMA_VERSION);
        }
        required("model", model);
        if (!(budget > 0 && budget <= 1)) {
            throw new IllegalArgumentException("budget must be in (0, 1] (the kept fraction of prunable FLOPs), was "
                    + budget);
        }
        if (!(keptFraction >= 0 && keptFraction <= 1)) {
            throw new IllegalArgumentException("kept_fraction must be in [0, 1], was " + keptFraction);
        }
        if (!Double.isFinite(keptImportance)) {
            throw new IllegalArgumentException("kept_importance must be finite, was " + keptImportance);
        }
        if (!(tokensPerSequence > 0 && Double.isFinite(tokensPerSequence))) {
            throw new IllegalArgumentException("tokens_per_sequence must be finite and > 0, was " + tokensPerSequence);
        }
        required("flops", flops);
        required("params", params);
        required("kept", kept);
        required("scoring", scoring);
        required("reconstruction", reconstruction);
        heads = binaryMatrix("heads", heads);
        neurons = binaryMatrix("neurons", neurons);
        if (heads.length != neurons.length) {
            throw new IllegalArgumentException("heads has " + heads.length + " rows but neurons has " + neurons.length
                    + "; both must equal the number of layers");
        }
        kept.checkAgainst(heads, neurons);
        reconstruction.checkLayers(heads.length);
        double actual = flops.prunableAfter() / flops.prunableBefore();
        if (Math.abs(actual - keptFraction) > FRACTION_TOLERANCE) {
            throw new IllegalArgumentException("kept_fraction is " + keptFraction + " but flops.prunable_after /"
                    + " flops.prunable_before is " + actual);
        }
    }

    /** The same mask with another reconstruction record. */
    public MaskDocument withReconstruction(Reconstruction r) {
        return new MaskDocument(schemaVersion, model, budget, keptFraction, keptImportance, tokensPerSequence, flops,
                params, kept, scoring, r, heads, neurons);
    }

    /** L. */
    public int layers() {
        return heads.length;
    }

    /** H. */
    public int headsPerLayer() {
        return heads[0].length;
    }

    /** F. */
    public int neuronsPerLayer() {
        return neurons[0].length;
    }

    /** [L][H] 0/1, a copy. */
    @Override
    public int[][] heads() {
        return deepCopy(heads);
    }

    /** [L][F] 0/1, a copy. */
    @Override
    public int[][] neurons() {
        return deepCopy(neurons);
    }

    /** Whether head h of layer l is kept. */
    public boolean keepsHead(int layer, int head) {
        return heads[layer][head] == 1;
    }

    /** Whether neuron i of layer l is kept. */
    public boolean keepsNeuron(int layer, int neuron) {
        return neurons[layer][neuron] == 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskDocument m && schemaVersion == m.schemaVersion && model.equals(m.model)
                && Double.compare(budget, m.budget) == 0 && Double.compare(keptFraction, m.keptFraction) == 0
                && Double.compare(keptImportance, m.keptImportance) == 0
                && Double.compare(tokensPerSequence, m.tokensPerSequence) == 0 && flops.equals(m.flops)
                && params.equals(m.params) && kept.equals(m.kept) && scoring.equals(m.scoring)
                && reconstruction.equals(m.reconstruction)
                && Arrays.deepEquals(heads, m.heads) && Arrays.deepEquals(neurons, m.neurons);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schemaVersion, model, budget, keptFraction, keptImportance, tokensPerSequence, flops,
                params, kept, scoring, reconstruction, Arrays.deepHashCode(heads), Arrays.deepHashCode(neurons));
    }

    @Override
    public String toString() {
        return "MaskDocument[" + model + ", budget=" + budget + ", kept_fraction=" + keptFraction + ", " + kept
                + ", " + scoring + "]";
    }

    /**
     * The weights a mask belongs to.
     *
     * @param name          model name
     * @param weightsSha256 SHA-256 of the weights as 64 lowercase hex digits (core's
     *                      {@code Checkpoint.weightsSha256()})
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Model(String name, String weightsSha256) {
        private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

        public Model {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("model.name is required");
            }
            if (weightsSha256 == null || !SHA256.matcher(weightsSha256).matches()) {
                throw new IllegalArgumentException("model.weights_sha256 must be 64 lowercase hex digits, was "
                        + (weightsSha256 == null ? "null" : "'" + weightsSha256 + "'"));
            }
        }
    }

    /**
     * MACs per sequence. prunable = heads and neurons; total = prunable plus LayerNorms, pooler and classifier.
     *
     * @param prunableBefore dense prunable MACs, > 0
     * @param prunableAfter  kept prunable MACs, in [0, prunable_before]
     * @param totalBefore    dense total MACs, >= prunable_before
     * @param totalAfter     pruned total MACs, in [prunable_after, total_before]
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Flops(double prunableBefore, double prunableAfter, double totalBefore, double totalAfter) {
        public Flops {
            if (!(prunableBefore > 0 && Double.isFinite(prunableBefore))) {
                throw new IllegalArgumentException("flops.prunable_before must be finite and > 0, was "
                        + prunableBefore);
            }
            if (!(prunableAfter >= 0 && prunableAfter <= prunableBefore)) {
                throw new IllegalArgumentException("flops.prunable_after must be in [0, prunable_before = "
                        + prunableBefore + "], was " + prunableAfter);
            }
            if (!(totalBefore >= prunableBefore && Double.isFinite(totalBefore))) {
                throw new IllegalArgumentException("flops.total_before must be finite and >= prunable_before = "
                        + prunableBefore + ", was " + totalBefore);
            }
            if (!(totalAfter >= prunableAfter && totalAfter <= totalBefore)) {
                throw new IllegalArgumentException("flops.total_after must be in [prunable_after = " + prunableAfter
                        + ", total_before = " + totalBefore + "], was " + totalAfter);
            }
        }
    }

    /**
     * Parameter counts.
     *
     * @param before dense model, > 0
     * @param after  with removed heads and neurons sliced away, in [0, before]
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Params(long before, long after) {
        public Params {
            if (before <= 0) {
                throw new IllegalArgumentException("params.before must be > 0, was " + before);
            }
            if (after < 0 || after > before) {
                throw new IllegalArgumentException("params.after must be in [0, params.before = " + before
                        + "], was " + after);
            }
        }
    }

    /**
     * Kept unit counts; they must agree with the 0/1 matrices.
     *
     * @param heads           kept heads in all layers
     * @param neurons         kept neurons in all layers
     * @param headsPerLayer   kept heads of each layer, length L
     * @param neuronsPerLayer kept neurons of each layer, length L
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Kept(int heads, int neurons, int[] headsPerLayer, int[] neuronsPerLayer) {
        public Kept {
            if (heads < 0) {
                throw new IllegalArgumentException("kept.heads must be >= 0, was " + heads);
            }
            if (neurons < 0) {
                throw new IllegalArgumentException("kept.neurons must be >= 0, was " + neurons);
            }
            required("kept.heads_per_layer", headsPerLayer);
            required("kept.neurons_per_layer", neuronsPerLayer);
            headsPerLayer = headsPerLayer.clone();
            neuronsPerLayer = neuronsPerLayer.clone();
        }

        /** Counts read off 0/1 matrices. */
        public static Kept of(int[][] heads, int[][] neurons) {
            int[] h = rowSums(heads);
            int[] n = rowSums(neurons);
            return new Kept(Arrays.stream(h).sum(), Arrays.stream(n).sum(), h, n);
        }

        @Override
        public int[] headsPerLayer() {
            return headsPerLayer.clone();
        }

        @Override
        public int[] neuronsPerLayer() {
            return neuronsPerLayer.clone();
        }

        void checkAgainst(int[][] headMatrix, int[][] neuronMatrix) {
            check("heads", heads, headsPerLayer, headMatrix);
            check("neurons", neurons, neuronsPerLayer, neuronMatrix);
        }

        private static void check(String kind, int total, int[] perLayer, int[][] matrix) {
            if (perLayer.length != matrix.length) {
                throw new IllegalArgumentException("kept." + kind + "_per_layer has " + perLayer.length
                        + " entries but " + kind + " has " + matrix.length + " rows");
            }
            int[] sums = rowSums(matrix);
            for (int l = 0; l < sums.length; l++) {
                if (perLayer[l] != sums[l]) {
                    throw new IllegalArgumentException("kept." + kind + "_per_layer[" + l + "] is " + perLayer[l]
                            + " but " + kind + "[" + l + "] keeps " + sums[l]);
                }
            }
            int sum = Arrays.stream(sums).sum();
            if (total != sum) {
                throw new IllegalArgumentException("kept." + kind + " is " + total + " but " + kind + " keeps " + sum);
            }
        }

        private static int[] rowSums(int[][] matrix) {
            int[] sums = new int[matrix.length];
            for (int l = 0; l < matrix.length; l++) {
                for (int v : matrix[l]) {
                    sums[l] += v;
                }
            }
            return sums;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Kept k && heads == k.heads && neurons == k.neurons
                    && Arrays.equals(headsPerLayer, k.headsPerLayer) && Arrays.equals(neuronsPerLayer,
                    k.neuronsPerLayer);
        }

        @Override
        public int hashCode() {
            return Objects.hash(heads, neurons, Arrays.hashCode(headsPerLayer), Arrays.hashCode(neuronsPerLayer));
        }

        @Override
        public String toString() {
            return "Kept[heads=" + heads + " " + Arrays.toString(headsPerLayer) + ", neurons=" + neurons + " "
                    + Arrays.toString(neuronsPerLayer) + "]";
        }
    }

    /**
     * How the scores were made, for reproducibility.
     *
     * @param scorer   scorer name, e.g. {@code fisher}, {@code output}, {@code trajectory}
     * @param settings free-form settings (samples, K, lambda, w, multipliers, engine, seed, ...): JSON values,
     *                 none null; insertion order kept
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Scoring(String scorer, Map<String, Object> settings) {
        public Scoring {
            if (scorer == null || scorer.isBlank()) {
                throw new IllegalArgumentException("scoring.scorer is required");
            }
            required("scoring.settings", settings);
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : settings.entrySet()) {
                if (e.getKey() == null || e.getKey().isBlank()) {
                    throw new IllegalArgumentException("scoring.settings has a blank key");
                }
                if (e.getValue() == null) {
                    throw new IllegalArgumentException("scoring.settings." + e.getKey() + " is null");
                }
                copy.put(e.getKey(), e.getValue());
            }
            settings = Collections.unmodifiableMap(copy);
        }
    }

    /**
     * Whether and how the kept units' output projections were refit after masking (least-squares reconstruction on
     * unlabelled calibration tokens).
     *
     * @param repair        {@code none}, {@code bias} (output biases only), {@code full} (kept columns and
     *                      biases by ridge least squares) or {@code reselect} ({@code full}, with each sublayer's
     *                      kept units chosen again on the repaired input, same per-layer counts; the document's
     *                      heads and neurons are then the units actually kept, not the scorer's choice)
     * @param relativeRidge alpha of lambda = alpha · trace(HᵀH) / k (0 unless {@code full} or {@code reselect})
     * @param samples       calibration sequences used (0 for {@code none})
     * @param tokens        calibration tokens used, padding excluded (0 for {@code none})
     * @param sublayers     per layer, attention then FFN, what was done (empty for {@code none})
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Reconstruction(String repair, double relativeRidge, int samples, long tokens,
                                 java.util.List<Refit> sublayers) {
        public static final java.util.List<String> REPAIRS = java.util.List.of("none", "bias", "full", "reselect");

        public Reconstruction {
            if (!REPAIRS.contains(repair)) {
                throw new IllegalArgumentException("reconstruction.repair must be one of " + REPAIRS + ", was "
                        + (repair == null ? "null" : "'" + repair + "'"));
            }
            if (!(relativeRidge >= 0 && Double.isFinite(relativeRidge))) {
                throw new IllegalArgumentException("reconstruction.relative_ridge must be finite and >= 0, was "
                        + relativeRidge);
            }
            if (samples < 0 || tokens < 0) {
                throw new IllegalArgumentException("reconstruction.samples and tokens must be >= 0, were " + samples
                        + " and " + tokens);
            }
            required("reconstruction.sublayers", sublayers);
            sublayers = java.util.List.copyOf(sublayers);
            if (repair.equals("none") != sublayers.isEmpty()) {
                throw new IllegalArgumentException("reconstruction.sublayers must be empty exactly when repair is"
                        + " none; repair is " + repair + " with " + sublayers.size() + " sublayers");
            }
        }

        /** The record of a mask that was only sliced. */
        public static Reconstruction none() {
            return new Reconstruction("none", 0, 0, 0, java.util.List.of());
        }

        void checkLayers(int layers) {
            if (!sublayers.isEmpty() && sublayers.size() != 2 * layers) {
                throw new IllegalArgumentException("reconstruction.sublayers has " + sublayers.size()
                        + " entries, expected 2 per layer = " + 2 * layers);
            }
        }
    }

    /**
     * One output projection's refit.
     *
     * @param layer           l
     * @param sublayer        {@code attention} or {@code ffn}
     * @param status          {@code refit}, {@code unchanged} (nothing removed at or below it) or {@code skipped}
     *                        (it keeps no unit)
     * @param kept            kept input columns k
     * @param tokens          calibration tokens in its statistics
     * @param lambda          ridge term used
     * @param errorBefore     Σ over calibration tokens of ||H W0 + b0 - Y||² (dense weights on the repaired inputs)
     * @param errorAfter      the same with the refit weights
     * @param underdetermined fewer tokens than kept columns: solved only thanks to the ridge term
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Refit(int layer, String sublayer, String status, int kept, long tokens, double lambda,
                        double errorBefore, double errorAfter, boolean underdetermined) {
        public Refit {
            if (layer < 0) {
                throw new IllegalArgumentException("reconstruction.sublayers[].layer must be >= 0, was " + layer);
            }
            if (!java.util.List.of("attention", "ffn").contains(sublayer)) {
                throw new IllegalArgumentException("reconstruction.sublayers[].sublayer must be attention or ffn,"
                        + " was " + sublayer);
            }
            if (!java.util.List.of("refit", "unchanged", "skipped").contains(status)) {
                throw new IllegalArgumentException("reconstruction.sublayers[].status must be refit, unchanged or"
                        + " skipped, was " + status);
            }
            if (!Double.isFinite(lambda) || !Double.isFinite(errorBefore) || !Double.isFinite(errorAfter)) {
                throw new IllegalArgumentException("reconstruction.sublayers[] of layer " + layer + " " + sublayer
                        + ": lambda and errors must be finite");
            }
        }
    }

    private static void required(String field, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
    }

    private static int[][] binaryMatrix(String field, int[][] rows) {
        required(field, rows);
        if (rows.length == 0) {
            throw new IllegalArgumentException(field + " must have one row per layer, was empty");
        }
        int[][] copy = new int[rows.length][];
        for (int l = 0; l < rows.length; l++) {
            if (rows[l] == null) {
                throw new IllegalArgumentException(field + "[" + l + "] is null");
            }
            if (rows[l].length == 0) {
                throw new IllegalArgumentException(field + "[" + l + "] is empty");
            }
            if (rows[l].length != rows[0].length) {
                throw new IllegalArgumentException(field + "[" + l + "] has " + rows[l].length + " entries but "
                        + field + "[0] has " + rows[0].length);
            }
            for (int i = 0; i < rows[l].length; i++) {
                if (rows[l][i] != 0 && rows[l][i] != 1) {
                    throw new IllegalArgumentException(field + "[" + l + "][" + i + "] must be 0 or 1, was "
                            + rows[l][i]);
                }
            }
            copy[l] = rows[l].clone();
        }
        return copy;
    }

    private static int[][] deepCopy(int[][] a) {
        int[][] c = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
