package dev.optinfleet.core.checkpoint;

import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigJsonTest {
    /** Keys of bert-base-uncased's config.json (sizes shrunk), as Hugging Face writes them. */
    private static final String HF_CONFIG = """
            {
              "architectures": ["BertForSequenceClassification"],
              "attention_probs_dropout_prob": 0.1,
              "hidden_act": "gelu",
              "hidden_size": 8,
              "id2label": {"0": "negative", "1": "positive"},
              "label2id": {"negative": 0, "positive": 1},
              "intermediate_size": 12,
              "layer_norm_eps": 1e-12,
              "max_position_embeddings": 16,
              "model_type": "bert",
              "num_attention_heads": 2,
              "num_hidden_layers": 2,
              "pad_token_id": 0,
              "position_embedding_type": "absolute",
              "transformers_version": "4.40.0",
              "type_vocab_size": 2,
              "vocab_size": 11
            }
            """;

    @TempDir
    Path dir;

    @Test
    void readsHuggingFaceConfigWithClassifierHead() throws IOException {
        Path file = write(HF_CONFIG);

        ModelConfig c = ConfigJson.read(file, Set.of("bert.pooler.dense.weight", TensorNames.CLASSIFIER_WEIGHT));

        assertEquals(Fixtures.tinyConfig(Pooling.POOLER, 2, List.of("negative", "positive")), c);
    }

    @Test
    void configWithLabelsButNoClassifierWeightsHasNoHead() throws IOException {
        Path file = write(HF_CONFIG);

        ModelConfig c = ConfigJson.read(file, Set.of(TensorNames.WORD_EMBEDDINGS));

        assertEquals(0, c.numLabels());
        assertEquals(List.of(), c.labels());
        assertEquals(Pooling.CLS, c.pooling(), "no pooler weights and no pooling key: cls");
    }

    @Test
    void explicitPoolingWinsOverPoolerWeights() throws IOException {
        Path file = write(HF_CONFIG.replace("\"model_type\"", "\"pooling\": \"mean\", \"model_type\""));

        ModelConfig c = ConfigJson.read(file, Set.of(TensorNames.POOLER_WEIGHT));

        assertEquals(Pooling.MEAN, c.pooling());
    }

    @Test
    void readsPrunedSizesAndWritesThemBack() throws IOException {
        ModelConfig pruned = Fixtures.tinyConfig(Pooling.MEAN, 3, List.of())
                .withKept(new int[] {1, 0}, new int[] {5, 12});
        Path file = dir.resolve("config.json");

        ConfigJson.write(pruned, file);
        ModelConfig back = ConfigJson.read(file, Set.of(TensorNames.CLASSIFIER_WEIGHT));

        assertEquals(pruned, back);
        assertArrayEquals(new int[] {1, 0}, back.headsPerLayer());
        assertTrue(Files.readString(file).contains("\"intermediate_sizes\""));
    }

    @Test
    void prunedConfigNamesNoStockArchitectureAndOldPrunedConfigsStillRead() throws IOException {
        ModelConfig pruned = Fixtures.tinyConfig(Pooling.MEAN, 3, List.of())
                .withKept(new int[] {1, 0}, new int[] {5, 12});
        Path file = dir.resolve("config.json");
        ConfigJson.write(pruned, file);
        var written = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        assertEquals("optin_pruned_bert", written.path("model_type").asText());
        assertEquals("bert", written.path("optin_base_model_type").asText());
        assertEquals("OptinPrunedBertForSequenceClassification", written.path("architectures").get(0).asText());
        assertTrue(written.path("optin_note").asText().contains("model.onnx"));
        for (String stock : ConfigJson.SUPPORTED_ARCHITECTURES) {
            assertFalse(Files.readString(file).contains("\"" + stock + "\""), stock);
        }

        // A pruned config as written before: stock names and per-layer sizes.
        Path old = dir.resolve("old-config.json");
        Files.writeString(old, Files.readString(file).replace("optin_pruned_bert", "bert")
                .replace("OptinPrunedBertForSequenceClassification", "BertForSequenceClassification"));
        assertEquals(pruned, ConfigJson.read(old, Set.of(TensorNames.CLASSIFIER_WEIGHT)));
    }

    @Test
    void denseConfigIsWrittenWithoutPrunedKeys() throws IOException {
        ModelConfig dense = Fixtures.tinyConfig(Pooling.CLS, 0, List.of());
        Path file = dir.resolve("config.json");

        ConfigJson.write(dense, file);

        assertFalse(Files.readString(file).contains("heads_per_layer"));
        assertTrue(Files.readString(file).contains("\"model_type\" : \"bert\""), "a dense model is stock BERT");
        assertEquals(dense, ConfigJson.read(file, Set.of()));
    }

    @Test
    void rejectsUnknownModelType() throws IOException {
        Path file = write(HF_CONFIG.replace("\"model_type\": \"bert\"", "\"model_type\": \"gpt2\""));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ConfigJson.read(file, Set.of()));

        SafetensorsReaderTest.assertNamesFileAnd(e, file, "model_type");
        assertTrue(e.getMessage().contains("gpt2"), e.getMessage());
    }

    @Test
    void rejectsMissingRequiredField() throws IOException {
        Path file = write(HF_CONFIG.replace("\"num_attention_heads\": 2,", ""));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ConfigJson.read(file, Set.of()));

        SafetensorsReaderTest.assertNamesFileAnd(e, file, "num_attention_heads");
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void rejectsArchitectureThatIsNotBertEncoder() throws IOException {
        Path file = write(HF_CONFIG.replace("BertForSequenceClassification", "BertForQuestionAnswering"));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ConfigJson.read(file, Set.of()));

        SafetensorsReaderTest.assertNamesFileAnd(e, file, "architectures");
        assertTrue(e.getMessage().contains("BertForQuestionAnswering"), e.getMessage());
    }

    @Test
    void rejectsActivationOtherThanGelu() throws IOException {
        Path file = write(HF_CONFIG.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu_new\""));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ConfigJson.read(file, Set.of()));

        SafetensorsReaderTest.assertNamesFileAnd(e, file, "hidden_act");
        assertTrue(e.getMessage().contains("gelu_new"), e.getMessage());
    }

    @Test
    void rejectsNonIntegerSize() throws IOException {
        Path file = write(HF_CONFIG.replace("\"hidden_size\": 8", "\"hidden_size\": \"8\""));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ConfigJson.read(file, Set.of()));

        SafetensorsReaderTest.assertNamesFileAnd(e, file, "hidden_size");
    }

    @Test
    void rejectsConfigThatIsNotJson() throws IOException {
        Path file = write("{ \"model_type\": ");

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> ConfigJson.read(file, Set.of()));

        assertEquals(file.toString(), e.source());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    private Path write(String json) throws IOException {
        return Files.writeString(dir.resolve("config.json"), json);
    }
}
