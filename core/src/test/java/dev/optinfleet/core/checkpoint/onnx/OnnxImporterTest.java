package dev.optinfleet.core.checkpoint.onnx;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointFormatException;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ModelProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.NodeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxImporterTest {
    @TempDir
    static Path models;
    static Path miniLm;
    static OnnxImporter.Result imported;

    @TempDir
    Path dir;

    @BeforeAll
    static void importMiniLm() {
        miniLm = BundledModels.MINILM_L6.onnx(models);
        imported = OnnxImporter.readWithMapping(miniLm);
    }

    @Test
    void infersMiniLmArchitecture() {
        ModelConfig c = imported.checkpoint().config();

        assertEquals(6, c.numLayers());
        assertEquals(12, c.numHeads());
        assertEquals(384, c.hiddenSize());
        assertEquals(1536, c.intermediateSize());
        assertEquals(30522, c.vocabSize());
        assertEquals(512, c.maxPositions());
        assertEquals(2, c.typeVocabSize());
        assertEquals(1e-12, c.layerNormEps());
        assertEquals(Pooling.MEAN, c.pooling());
        assertEquals(0, c.numLabels());
        assertEquals(false, c.isPruned());
        assertEquals("all-minilm-l6-v2", imported.checkpoint().name());
    }

    @Test
    void mapsEveryMatMulWeightOnceByItsConsumingNode() throws IOException {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(miniLm));
        Map<String, String> expectedFromNodeNames = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            // The exporter names nodes after the torch module path, e.g. /encoder/layer.0/attention/self/query/MatMul.
            if (n.getOpType().equals("MatMul") && n.getInput(1).startsWith("onnx::")) {
                String module = n.getName().substring(1, n.getName().lastIndexOf('/')).replace('/', '.');
                assertEquals(null, expectedFromNodeNames.put(n.getInput(1), module + ".weight"),
                        "weight consumed twice in the graph: " + n.getInput(1));
            }
        }
        Map<String, String> mapping = imported.initializerToTensor();

        assertEquals(36, expectedFromNodeNames.size());
        expectedFromNodeNames.forEach((init, tensor) -> assertEquals(tensor, mapping.get(init), init));
        // Initializers the exporter kept named (biases, LayerNorms, embeddings) land on their own names.
        mapping.forEach((init, tensor) -> {
            if (!init.startsWith("onnx::")) {
                assertEquals(init, tensor);
            }
        });
        assertEquals(mapping.size(), new HashSet<>(mapping.values()).size(), "a tensor mapped twice");
        assertEquals(imported.checkpoint().tensors().keySet(), new HashSet<>(mapping.values()));
        assertEquals(List.of("embeddings.position_ids"), imported.unusedInitializers());
        assertEquals(model.getGraph().getInitializerCount(), mapping.size() + imported.unusedInitializers().size());
    }

    @Test
    void transposesMatMulWeightsToOutIn() throws IOException {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(miniLm));
        String init = imported.initializerToTensor().entrySet().stream()
                .filter(e -> e.getValue().equals(TensorNames.intermediate(2, "weight")))
                .findFirst().orElseThrow().getKey();
        TensorProto raw = model.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals(init)).findFirst().orElseThrow();
        var stored = raw.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();

        FloatTensor w = imported.checkpoint().tensor(TensorNames.intermediate(2, "weight"));

        assertArrayEquals(new long[] {384, 1536}, raw.getDimsList().stream().mapToLong(Long::longValue).toArray());
        assertArrayEquals(new long[] {1536, 384}, w.shape());
        for (int[] at : new int[][] {{0, 0}, {5, 7}, {1535, 383}, {1000, 17}}) {
            int out = at[0];
            int in = at[1];
            assertEquals(stored.get(in * 1536 + out), w.data()[out * 384 + in]);
        }
    }

    @Test
    void roundTripThroughSafetensorsKeepsTensorsAndDigest() {
        Checkpoint original = imported.checkpoint();
        Path out = dir.resolve("all-minilm-l6-v2");

        CheckpointWriter.write(original, out, BundledModels.MINILM_L6.tokenizer(models));
        Checkpoint back = HfCheckpointReader.read(out);

        assertEquals(original.config(), back.config());
        assertEquals(original.tensors(), back.tensors());
        assertEquals(original.weightsSha256(), back.weightsSha256());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
    }

    @Test
    void importsLayerNormalizationNodesAndInfersHeadsFromScaling() throws IOException {
        Path file = dir.resolve("tiny.onnx");
        Map<String, FloatTensor> expected = TinyOnnxBert.write(file, TinyOnnxBert.Options.VALID);

        OnnxImporter.Result r = OnnxImporter.readWithMapping(file);

        ModelConfig c = r.checkpoint().config();
        assertEquals(List.of(1, 2, 8, 12, 11, 16, 2), List.of(c.numLayers(), c.numHeads(), c.hiddenSize(),
                c.intermediateSize(), c.vocabSize(), c.maxPositions(), c.typeVocabSize()));
        assertEquals(1e-12, c.layerNormEps());
        assertEquals(expected, r.checkpoint().tensors(), "query/key/value told apart and transposed");
        assertEquals(Set.of("pos_ids", "shape4", "shape3"), Set.copyOf(r.unusedInitializers()));
    }

    @Test
    void rejectsGraphWithSingleMatMul() throws IOException {
        Path file = dir.resolve("linear.onnx");
        TinyOnnxBert.writeSingleMatMul(file);

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxImporter.read(file));

        assertNotEncoder(e, file, "word-embedding");
    }

    @Test
    void rejectsEncoderWithoutPositionEmbeddings() throws IOException {
        Path file = dir.resolve("nopos.onnx");
        TinyOnnxBert.write(file, new TinyOnnxBert.Options(false, false));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxImporter.read(file));

        assertNotEncoder(e, file, "position-embedding");
    }

    @Test
    void rejectsTanhApproximatedGelu() throws IOException {
        Path file = dir.resolve("tanh.onnx");
        TinyOnnxBert.write(file, new TinyOnnxBert.Options(true, true));

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxImporter.read(file));

        assertNotEncoder(e, file, "tanh");
    }

    @Test
    void rejectsFileThatIsNotOnnx() throws IOException {
        Path file = Files.write(dir.resolve("junk.onnx"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02});

        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> OnnxImporter.read(file));

        assertEquals(file.toString(), e.source());
        assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    }

    private static void assertNotEncoder(CheckpointFormatException e, Path file, String detail) {
        assertEquals(file.toString(), e.source());
        assertEquals("graph", e.field());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a BERT-family encoder"), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }
}
