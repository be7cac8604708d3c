package dev.optinfleet.core.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optinfleet.core.io.AtomicFiles;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Hugging Face {@code config.json} to and from {@link ModelConfig}.
 *
 * <p>Read: {@code model_type} (only {@link ModelConfig#SUPPORTED_MODEL_TYPES}), {@code vocab_size},
 * {@code hidden_size}, {@code num_hidden_layers}, {@code num_attention_heads}, {@code intermediate_size},
 * {@code max_position_embeddings} and {@code type_vocab_size} are required; {@code layer_norm_eps} defaults to
 * 1e-12 and {@code hidden_act} to {@code gelu} (the only activation accepted, the exact erf form). Whether there
 * is a classification head is decided by the weights: with {@code classifier.weight} present the head has
 * {@code num_labels} outputs (else the size of {@code id2label}, else Hugging Face's default 2); without it
 * {@code num_labels}/{@code id2label} are ignored and the model has no head. {@code pooling} is this project's
 * key ({@code cls | mean | pooler}); absent, it is {@code pooler} when {@code pooler.dense.*} weights exist and
 * {@code cls} otherwise. Pruned models carry {@code heads_per_layer} and {@code intermediate_sizes} (length L);
 * absent means dense.
 *
 * <p>Every problem is a {@link CheckpointFormatException} naming the file and the field.
 */
public final class ConfigJson {
    /** Default LayerNorm epsilon of Hugging Face's BertConfig. */
    public static final double DEFAULT_LAYER_NORM_EPS = 1e-12;
    /** {@code architectures} entries whose weights are a BERT encoder this project can read. */
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("BertModel",
            "BertForSequenceClassification", "BertForMaskedLM", "BertForPreTraining");

    /**
     * {@code model_type} of a pruned checkpoint. Stock BERT has one head count and one FFN width for all layers, so
     * a stock loader (e.g. transformers' {@code AutoModel}) cannot load per-layer sizes; naming a type it does not
     * know makes it refuse with a clear error instead of failing on every weight's shape.
     */
    public static final String PRUNED_MODEL_TYPE = "optin_pruned_bert";
    /** {@code architectures} entries written for pruned checkpoints (without / with a classifier). */
    public static final List<String> PRUNED_ARCHITECTURES = List.of("OptinPrunedBertModel",
            "OptinPrunedBertForSequenceClassification");
    /** Key naming the family whose layout a pruned checkpoint follows (its {@link ModelConfig#modelType()}). */
    public static final String BASE_MODEL_TYPE = "optin_base_model_type";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigJson() {
    }

    /**
     * Reads a config.json.
     *
     * @param tensorNames names of the tensors in the accompanying weights (with or without {@code bert.}); they
     *                    decide whether there is a classifier head and the default pooling
     * @throws CheckpointFormatException naming the file and the field at fault
     * @throws UncheckedIOException      when the file cannot be read
     */
    public static ModelConfig read(Path file, Collection<String> tensorNames) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointFormatException(file.toString(), null, "config.json is missing", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file.toString(), bytes, tensorNames);
    }

    /** Parses config.json bytes; {@code source} names the file in errors. See {@link #read}. */
    public static ModelConfig parse(String source, byte[] json, Collection<String> tensorNames) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(source, null, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(source, null, "must be a JSON object");
        }
        Set<String> names = new HashSet<>();
        for (String n : tensorNames) {
            names.add(TensorNames.canonical(n));
        }

        String modelType = requiredText(source, root, "model_type");
        if (PRUNED_MODEL_TYPE.equals(modelType)) {
            JsonNode base = root.get(BASE_MODEL_TYPE);
            modelType = base == null || base.isNull() ? "bert" : requiredText(source, root, BASE_MODEL_TYPE);
            if (!ModelConfig.SUPPORTED_MODEL_TYPES.contains(modelType)) {
                throw new CheckpointFormatException(source, BASE_MODEL_TYPE, "value '" + modelType
                        + "' is not supported; supported: " + ModelConfig.SUPPORTED_MODEL_TYPES);
            }
        } else if (!ModelConfig.SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw new CheckpointFormatException(source, "model_type", "value '" + modelType
                    + "' is not supported; supported: " + ModelConfig.SUPPORTED_MODEL_TYPES);
        }
        JsonNode architectures = root.get("architectures");
        if (architectures != null && !architectures.isNull()) {
            if (!architectures.isArray()) {
                throw new CheckpointFormatException(source, "architectures", "must be an array of class names");
            }
            for (JsonNode a : architectures) {
                if (!a.isTextual() || !(SUPPORTED_ARCHITECTURES.contains(a.asText())
                        || PRUNED_ARCHITECTURES.contains(a.asText()))) {
                    throw new CheckpointFormatException(source, "architectures", "entry " + a
                            + " is not a BERT encoder; supported: " + SUPPORTED_ARCHITECTURES + " and "
                            + PRUNED_ARCHITECTURES);
                }
            }
        }
        JsonNode act = root.get("hidden_act");
        if (act != null && !"gelu".equals(act.asText(null))) {
            throw new CheckpointFormatException(source, "hidden_act", "value " + act
                    + " is not supported; only \"gelu\" (exact erf GELU) is");
        }
        JsonNode positionType = root.get("position_embedding_type");
        if (positionType != null && !positionType.isNull() && !"absolute".equals(positionType.asText(null))) {
            throw new CheckpointFormatException(source, "position_embedding_type", "value " + positionType
                    + " is not supported; only \"absolute\" is");
        }

        int vocab = requiredInt(source, root, "vocab_size");
        int hidden = requiredInt(source, root, "hidden_size");
        int layers = requiredInt(source, root, "num_hidden_layers");
        int heads = requiredInt(source, root, "num_attention_heads");
        int intermediate = requiredInt(source, root, "intermediate_size");
        int maxPositions = requiredInt(source, root, "max_position_embeddings");
        int typeVocab = requiredInt(source, root, "type_vocab_size");
        double eps = DEFAULT_LAYER_NORM_EPS;
        JsonNode epsNode = root.get("layer_norm_eps");
        if (epsNode != null && !epsNode.isNull()) {
            if (!epsNode.isNumber()) {
                throw new CheckpointFormatException(source, "layer_norm_eps", "must be a number, was " + epsNode);
            }
            eps = epsNode.asDouble();
        }

        int[] headsPerLayer = perLayer(source, root, "heads_per_layer", layers, heads);
        int[] neuronsPerLayer = perLayer(source, root, "intermediate_sizes", layers, intermediate);

        Pooling pooling;
        JsonNode poolingNode = root.get("pooling");
        if (poolingNode == null || poolingNode.isNull()) {
            pooling = names.contains(TensorNames.POOLER_WEIGHT) ? Pooling.POOLER : Pooling.CLS;
        } else {
            try {
                pooling = Pooling.fromConfigName(poolingNode.asText());
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(source, "pooling", e.getMessage(), e);
            }
        }

        int numLabels = 0;
        List<String> labels = List.of();
        if (names.contains(TensorNames.CLASSIFIER_WEIGHT)) {
            labels = labels(source, root);
            JsonNode numLabelsNode = root.get("num_labels");
            if (numLabelsNode != null && !numLabelsNode.isNull()) {
                numLabels = requiredInt(source, root, "num_labels");
                if (!labels.isEmpty() && labels.size() != numLabels) {
                    throw new CheckpointFormatException(source, "id2label", "has " + labels.size()
                            + " entries but num_labels is " + numLabels);
                }
            } else {
                numLabels = labels.isEmpty() ? 2 : labels.size();
            }
        }

        try {
            return new ModelConfig(modelType, vocab, hidden, layers, heads, intermediate, headsPerLayer,
                    neuronsPerLayer, maxPositions, typeVocab, eps, pooling, numLabels, labels);
        } catch (IllegalArgumentException e) {
            // ModelConfig names the config key in its message (e.g. "hidden_size 100 is not divisible by ...").
            throw new CheckpointFormatException(source, null, e.getMessage(), e);
        }
    }

    /**
     * The config.json text for a model: Hugging Face keys plus {@code pooling}. A dense model is what it says,
     * stock BERT ({@code architectures} {@code BertForSequenceClassification} with a head, {@code BertModel}
     * without). A pruned model says what it is instead: {@code model_type} {@value #PRUNED_MODEL_TYPE},
     * {@code architectures} {@link #PRUNED_ARCHITECTURES}, the family in {@value #BASE_MODEL_TYPE},
     * {@code heads_per_layer} and {@code intermediate_sizes}, and a note on what loads it (model.onnx beside it:
     * any ONNX runtime; this file: optin-fleet). Configs written before this (stock names on a pruned model)
     * are still read.
     */
    public static String toJson(ModelConfig c) {
        ObjectNode root = JSON.createObjectNode();
        boolean pruned = c.isPruned();
        root.putArray("architectures").add(pruned ? PRUNED_ARCHITECTURES.get(c.hasClassifier() ? 1 : 0)
                : c.hasClassifier() ? "BertForSequenceClassification" : "BertModel");
        root.put("model_type", pruned ? PRUNED_MODEL_TYPE : c.modelType());
        if (pruned) {
            root.put(BASE_MODEL_TYPE, c.modelType());
            root.put("optin_note", "Pruned by optin-fleet: each layer has its own number of attention heads"
                    + " (heads_per_layer) and FFN width (intermediate_sizes), which stock " + c.modelType()
                    + " loaders cannot build. Run model.onnx with any ONNX runtime; load model.safetensors with"
                    + " optin-fleet.");
        }
        root.put("vocab_size", c.vocabSize());
        root.put("hidden_size", c.hiddenSize());
        root.put("num_hidden_layers", c.numLayers());
        root.put("num_attention_heads", c.numHeads());
        root.put("intermediate_size", c.intermediateSize());
        root.put("max_position_embeddings", c.maxPositions());
        root.put("type_vocab_size", c.typeVocabSize());
        root.put("layer_norm_eps", c.layerNormEps());
        root.put("hidden_act", "gelu");
        root.put("position_embedding_type", "absolute");
        root.put("pooling", c.pooling().configName());
        if (c.hasClassifier()) {
            root.put("num_labels", c.numLabels());
            if (!c.labels().isEmpty()) {
                ObjectNode id2label = root.putObject("id2label");
                ObjectNode label2id = root.putObject("label2id");
                for (int i = 0; i < c.labels().size(); i++) {
                    id2label.put(Integer.toString(i), c.labels().get(i));
                    label2id.put(c.labels().get(i), i);
                }
            }
        }
        if (c.isPruned()) {
            ArrayNode heads = root.putArray("heads_per_layer");
            ArrayNode neurons = root.putArray("intermediate_sizes");
            for (int l = 0; l < c.numLayers(); l++) {
                heads.add(c.headsIn(l));
                neurons.add(c.neuronsIn(l));
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode config " + c, e);
        }
    }

    /** Writes {@link #toJson} atomically (temporary sibling + rename). */
    public static void write(ModelConfig config, Path file) {
        byte[] bytes = toJson(config).getBytes(StandardCharsets.UTF_8);
        try {
            AtomicFiles.write(file, tmp -> Files.write(tmp, bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String requiredText(String source, JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            throw new CheckpointFormatException(source, key, "required field is missing");
        }
        if (!v.isTextual()) {
            throw new CheckpointFormatException(source, key, "must be a string, was " + v);
        }
        return v.asText();
    }

    private static int requiredInt(String source, JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            throw new CheckpointFormatException(source, key, "required field is missing");
        }
        return toInt(source, key, v);
    }

    private static int toInt(String source, String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new CheckpointFormatException(source, key, "must be an integer, was " + v);
        }
        return v.asInt();
    }

    private static int[] perLayer(String source, JsonNode root, String key, int layers, int dense) {
        JsonNode v = root.get(key);
        int[] out = new int[Math.max(layers, 0)];
        if (v == null || v.isNull()) {
            Arrays.fill(out, dense);
            return out;
        }
        if (!v.isArray() || v.size() != layers) {
            throw new CheckpointFormatException(source, key, "must be an array of " + layers
                    + " integers (one per layer), was " + v);
        }
        for (int l = 0; l < layers; l++) {
            out[l] = toInt(source, key + "[" + l + "]", v.get(l));
        }
        return out;
    }

    private static List<String> labels(String source, JsonNode root) {
        JsonNode id2label = root.get("id2label");
        if (id2label == null || id2label.isNull()) {
            return List.of();
        }
        if (!id2label.isObject()) {
            throw new CheckpointFormatException(source, "id2label", "must be an object of index to label");
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            JsonNode label = id2label.get(Integer.toString(i));
            if (label == null || !label.isTextual()) {
                throw new CheckpointFormatException(source, "id2label", "must map every index 0.."
                        + (id2label.size() - 1) + " to a label string; index " + i + " is " + label);
            }
            labels.add(label.asText());
        }
        return labels;
    }
}
