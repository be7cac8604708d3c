package dev.optinfleet.core.checkpoint.onnx;

import ai.djl.ndarray.NDManager;
import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ModelProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.NodeProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.TensorProto;
import dev.optinfleet.core.checkpoint.onnx.proto.OnnxSubset.ValueInfoProto;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.EncoderOutput;
import dev.optinfleet.core.model.Gates;
import dev.optinfleet.core.model.MaskGates;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.testing.OnnxRuntimeRunner;
import dev.optinfleet.core.testing.RealModels;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exported graph run by ONNX Runtime (an independent implementation) against the masked dense encoder: the
 * pruned export must compute exactly what the dense model computes with the mask applied.
 */
class OnnxExporterTest {
    /** Both float32; observed differences are around 1e-6. */
    private static final float TOLERANCE = 1e-4f;
    private static final double[] BUDGETS = {0.9, 0.6, 0.4};
    private static final int HEADLESS_LAYER = 2;
    private static final int NEURONLESS_LAYER = 1;

    @Test
    void prunedMiniLmMatchesMaskedEncoderAtEachBudget(@TempDir Path dir) throws Exception {
        Checkpoint dense = RealModels.miniLm();
        TokenBatch batch;
        try (TextTokenizer tokenizer = RealModels.miniLmTokenizerInstance()) {
            batch = tokenizer.encode(RealModels.sentences().subList(0, 8));
        }
        assertMatchesAtEveryBudget(dense, batch, dir);
    }

    @Test
    void classifierCheckpointMatchesMaskedEncoderAtEachBudgetForEveryPooling(@TempDir Path dir) throws Exception {
        ModelConfig pooler = TinyModels.config();
        assertTrue(pooler.hasClassifier());
        for (Pooling pooling : Pooling.values()) {
            ModelConfig config = pooler.withHead(pooling, 3, List.of("a", "b", "c"));
            Checkpoint dense = TinyModels.random(config, 11);
            TokenBatch batch = TinyModels.batch(5, 12, config.vocabSize(), 4);
            assertMatchesAtEveryBudget(dense, batch, dir.resolve(pooling.configName()));
        }
    }

    @Test
    void unprunedMiniLmExportEqualsTheOriginalOnnxFile(@TempDir Path dir) throws Exception {
        TokenBatch batch;
        try (TextTokenizer tokenizer = RealModels.miniLmTokenizerInstance()) {
            batch = tokenizer.encode(RealModels.sentences());
        }
        OnnxExport export = OnnxExporter.export(RealModels.miniLm(), dir);
        Map<String, float[]> original = OnnxRuntimeRunner.run(RealModels.miniLmOnnx(), batch);
        Map<String, float[]> exported = OnnxRuntimeRunner.run(export.model(), batch);
        float[] want = original.get("last_hidden_state");
        float[] got = exported.get(OnnxExporter.LAST_HIDDEN_STATE);
        assertEquals(want.length, got.length);
        int d = RealModels.miniLm().config().hiddenSize();
        float max = 0;
        int compared = 0;
        for (int b = 0; b < batch.size(); b++) {
            for (int s = 0; s < batch.sequenceLength(); s++) {
                if (!batch.isToken(b, s)) {
                    continue; // the original graph's padding rows are not part of its contract
                }
                int off = (b * batch.sequenceLength() + s) * d;
                for (int i = 0; i < d; i++) {
                    max = Math.max(max, Math.abs(want[off + i] - got[off + i]));
                }
                compared++;
            }
        }
        assertTrue(compared > 200, "compared " + compared + " tokens");
        assertTrue(max <= TOLERANCE, "max abs difference to the original ONNX file " + max);
    }

    @Test
    void weightsOverTheLimitGoToExternalDataAndRunTheSame(@TempDir Path dir) throws Exception {
        Checkpoint c = TinyModels.random(TinyModels.config(), 2);
        TokenBatch batch = TinyModels.batch(3, 9, c.config().vocabSize(), 1);
        OnnxExport embedded = OnnxExporter.export(c, dir.resolve("embedded"));
        OnnxExport external = OnnxExporter.export(c, dir.resolve("external"), 0);
        assertNull(embedded.externalData());
        assertTrue(Files.isRegularFile(external.externalData()));
        assertTrue(Files.size(external.externalData()) >= 4 * c.parameterCount() / 2);
        ModelProto proto = parse(external.model());
        int externalTensors = 0;
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            boolean bigWeight = t.getDataType() == OnnxGraph.FLOAT
                    && t.getDimsList().stream().reduce(1L, (x, y) -> x * y) * Float.BYTES >= 1024;
            assertEquals(bigWeight ? TensorProto.DataLocation.EXTERNAL : TensorProto.DataLocation.DEFAULT,
                    t.getDataLocation(), t.getName());
            assertEquals(bigWeight, t.getRawData().isEmpty(), t.getName());
            externalTensors += bigWeight ? 1 : 0;
        }
        assertTrue(externalTensors > 10, externalTensors + " tensors external");
        Map<String, float[]> a = OnnxRuntimeRunner.run(embedded.model(), batch);
        Map<String, float[]> b = OnnxRuntimeRunner.run(external.model(), batch);
        for (String name : a.keySet()) {
            assertEquals(0f, maxAbsDiff(a.get(name), b.get(name)), name);
        }
        try (Stream<Path> files = Files.list(dir.resolve("external"))) {
            assertEquals(List.of(OnnxExporter.FILE, OnnxExporter.DATA_FILE),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    @Test
    void graphHasOpset17DynamicAxesFusedLayerNormAndNoAttentionInAHeadlessLayer(@TempDir Path dir)
            throws Exception {
        ModelConfig config = TinyModels.config();
        Checkpoint dense = TinyModels.random(config, 3);
        Checkpoint sliced = CheckpointSlicer.slice(dense, mask(config, 0.4, 9));
        assertEquals(0, sliced.config().headsIn(HEADLESS_LAYER));
        ModelProto proto = parse(OnnxExporter.export(sliced, dir).model());
        assertEquals(17, proto.getOpsetImport(0).getVersion());
        assertEquals("", proto.getOpsetImport(0).getDomain());
        for (ValueInfoProto in : proto.getGraph().getInputList()) {
            var dims = in.getType().getTensorType().getShape().getDimList();
            assertEquals("batch", dims.get(0).getDimParam(), in.getName());
            assertEquals("sequence", dims.get(1).getDimParam(), in.getName());
        }
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"),
                proto.getGraph().getInputList().stream().map(ValueInfoProto::getName).toList());
        assertEquals(List.of("last_hidden_state", "sentence_embedding", "logits"),
                proto.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList());
        List<String> ops = proto.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(1 + 2 * config.numLayers(), ops.stream().filter("LayerNormalization"::equals).count());
        long layersWithHeads = java.util.Arrays.stream(sliced.config().headsPerLayer()).filter(h -> h > 0).count();
        assertEquals(layersWithHeads, ops.stream().filter("Softmax"::equals).count());
        assertFalse(ops.contains("Gelu"), "Gelu is not an opset-17 operator");
    }

    private static void assertMatchesAtEveryBudget(Checkpoint dense, TokenBatch batch, Path dir) throws Exception {
        ModelConfig config = dense.config();
        for (double budget : BUDGETS) {
            UnitMask mask = mask(config, budget, 7);
            Checkpoint sliced = CheckpointSlicer.slice(dense, mask);
            if (budget == 0.4) {
                assertEquals(0, sliced.config().headsIn(HEADLESS_LAYER), "the test needs a layer without heads");
                assertEquals(0, sliced.config().neuronsIn(NEURONLESS_LAYER), "and one without neurons");
            }
            Path out = dir.resolve("budget-" + budget);
            Map<String, float[]> onnx = OnnxRuntimeRunner.run(OnnxExporter.export(sliced, out).model(), batch);
            try (Encoder enc = Encoder.load(dense); NDManager scope = enc.newScope()) {
                EncoderOutput masked = enc.forward(scope, batch, MaskGates.of(scope, config, mask), false);
                String where = dense.name() + " at budget " + budget + ", pooling " + config.pooling();
                assertClose(masked.hidden().toFloatArray(), onnx.get(OnnxExporter.LAST_HIDDEN_STATE),
                        where + ": last_hidden_state");
                assertClose(masked.pooled().toFloatArray(), onnx.get(OnnxExporter.SENTENCE_EMBEDDING),
                        where + ": sentence_embedding");
                if (config.hasClassifier()) {
                    assertClose(masked.logits().toFloatArray(), onnx.get(OnnxExporter.LOGITS), where + ": logits");
                } else {
                    assertFalse(onnx.containsKey(OnnxExporter.LOGITS), where);
                }
            }
            // The pruned export is the sliced checkpoint's own computation, too (no gates, fewer weights).
            try (Encoder small = Encoder.load(sliced); NDManager scope = small.newScope()) {
                assertClose(small.forward(scope, batch, Gates.NONE, false).hidden().toFloatArray(),
                        onnx.get(OnnxExporter.LAST_HIDDEN_STATE), "sliced encoder at budget " + budget);
            }
        }
    }

    /**
     * A budget's mask from random scores in which layer {@value #HEADLESS_LAYER}'s heads and layer
     * {@value #NEURONLESS_LAYER}'s neurons score lowest; at budget 0.4 those two layers are left empty.
     */
    private static UnitMask mask(ModelConfig c, double budget, long seed) {
        Random rnd = new Random(seed);
        double[][] heads = new double[c.numLayers()][c.numHeads()];
        double[][] neurons = new double[c.numLayers()][c.intermediateSize()];
        for (int l = 0; l < c.numLayers(); l++) {
            for (int h = 0; h < c.numHeads(); h++) {
                heads[l][h] = (l == HEADLESS_LAYER ? 1e-6 : 1) * (1 + rnd.nextDouble());
            }
            for (int i = 0; i < c.intermediateSize(); i++) {
                neurons[l][i] = (l == NEURONLESS_LAYER ? 1e-6 : 1) * (1 + rnd.nextDouble());
            }
        }
        UnitMask mask = new BudgetSolver(new UnitScores(heads, neurons), FlopModel.of(c, 16)).solve(budget).mask();
        if (budget <= 0.4) {
            // A small model's budget may be filled up with its cheapest units; empty the two layers outright.
            for (int h : mask.keptHeads(HEADLESS_LAYER)) {
                mask = mask.withoutHead(HEADLESS_LAYER, h);
            }
            for (int i : mask.keptNeurons(NEURONLESS_LAYER)) {
                mask = mask.withoutNeuron(NEURONLESS_LAYER, i);
            }
        }
        return mask;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        float max = maxAbsDiff(want, got);
        assertTrue(max <= TOLERANCE, what + ": max abs difference " + max);
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static ModelProto parse(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelProto.parseFrom(com.google.protobuf.CodedInputStream.newInstance(in));
        }
    }
}
