package dev.optinfleet.core.prune;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointHeader;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.checkpoint.SafetensorsReader;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.FloatTensor;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorNames;
import dev.optinfleet.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamingSlicerTest {
    private static final String HEAP = "128m";

    @Test
    void streamedSliceIsByteForByteTheInMemorySliceWithAndWithoutClassifier(@TempDir Path tmp) throws IOException {
        ModelConfig plain = ModelConfig.dense("bert", 50, 16, 3, 4, 24, 32, 2, 1e-12, Pooling.MEAN, 0, List.of());
        for (ModelConfig config : List.of(TinyModels.config(), plain)) {
            Path root = tmp.resolve(config.hasClassifier() ? "classifier" : "plain");
            Checkpoint dense = TinyModels.random(config, 3);
            Path denseDir = root.resolve("dense");
            Path tokenizer = Files.writeString(Files.createDirectories(root).resolve("tokenizer.json"),
                    "{\"tokenizer\": true}");
            CheckpointWriter.write(dense, denseDir);
            UnitMask mask = mask(config, 7);

            CheckpointHeader header = CheckpointHeader.read(denseDir);
            assertEquals(dense.weightsSha256(), header.weightsSha256(), "streamed digest");
            assertEquals(dense.parameterCount(), header.parameterCount());
            assertEquals(dense.config(), header.config());

            Path streamed = root.resolve("streamed");
            ModelConfig pruned = StreamingSlicer.slice(header, mask, streamed, tokenizer);
            Path inMemory = root.resolve("in-memory");
            Checkpoint sliced = CheckpointSlicer.slice(dense, mask);
            CheckpointWriter.write(sliced, inMemory, tokenizer);

            assertEquals(sliced.config(), pruned);
            for (String file : List.of(HfCheckpointReader.WEIGHTS_FILE, HfCheckpointReader.CONFIG_FILE,
                    HfCheckpointReader.TOKENIZER_FILE)) {
                assertArrayEquals(Files.readAllBytes(inMemory.resolve(file)), Files.readAllBytes(streamed.resolve(file)),
                        file + " of " + root.getFileName());
            }
            // and read back it is the sliced checkpoint, which CheckpointSlicerTest shows computes the masked model
            assertEquals(sliced.tensors(), HfCheckpointReader.read(streamed, sliced.name()).tensors());
        }
    }

    @Test
    void rejectsAMaskOfAnotherShapeAndAPrunedModel(@TempDir Path tmp) {
        Checkpoint dense = TinyModels.random(TinyModels.config(), 3);
        CheckpointWriter.write(dense, tmp.resolve("dense"));
        CheckpointHeader header = CheckpointHeader.read(tmp.resolve("dense"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamingSlicer.slice(header, UnitMask.all(3, 5, 24), tmp.resolve("out"), null));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());

        StreamingSlicer.slice(header, mask(TinyModels.config(), 1), tmp.resolve("pruned"), null);
        CheckpointHeader pruned = CheckpointHeader.read(tmp.resolve("pruned"));
        e = assertThrows(IllegalArgumentException.class,
                () -> StreamingSlicer.slice(pruned, mask(TinyModels.config(), 1), tmp.resolve("again"), null));
        assertTrue(e.getMessage().contains("already pruned"), e.getMessage());
    }

    @Test
    void slicesACheckpointLargerThanTheHeapInAChildJvm(@TempDir Path tmp) throws Exception {
        Path denseDir = tmp.resolve("dense");
        long t0 = System.nanoTime();
        WideCheckpoints.write(denseDir);
        System.out.printf("wrote the dense checkpoint in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        long denseBytes = Files.size(denseDir.resolve(HfCheckpointReader.WEIGHTS_FILE));
        assertTrue(denseBytes > 2L * 128 * 1024 * 1024, "the dense file (" + denseBytes + " B) is over twice the"
                + " child's heap");
        Path out = tmp.resolve("sliced");
        long seed = 11;

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx" + HEAP, "-cp", System.getProperty("java.class.path"),
                StreamingSliceMain.class.getName(), denseDir.toString(), out.toString(), Long.toString(seed))
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child finished");
        System.out.printf("child done %d ms after the write began%n", (System.nanoTime() - t0) / 1_000_000);
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        assertTrue(lines.contains("sliced OK"), String.join("\n", lines));
        long maxHeap = lines.stream().filter(l -> l.startsWith("max heap ")).mapToLong(
                l -> Long.parseLong(l.substring("max heap ".length()))).findFirst().orElseThrow();
        assertTrue(maxHeap < denseBytes / 2, "child heap " + maxHeap + " is under half the dense file");

        UnitMask mask = WideCheckpoints.mask(seed);
        ModelConfig pruned = CheckpointHeader.read(out).config();
        for (int l = 0; l < WideCheckpoints.LAYERS; l++) {
            assertEquals(mask.keptHeads(l).length, pruned.headsIn(l), "heads of layer " + l);
            assertEquals(mask.keptNeurons(l).length, pruned.neuronsIn(l), "neurons of layer " + l);
        }
        Set<String> checked = Set.of(TensorNames.WORD_EMBEDDINGS, TensorNames.query(0, "weight"),
                TensorNames.value(4, "bias"), TensorNames.attentionOutput(0, "weight"),
                TensorNames.intermediate(2, "weight"), TensorNames.output(2, "weight"),
                TensorNames.output(16, "weight"));
        Map<String, FloatTensor> got = SafetensorsReader.read(out.resolve(HfCheckpointReader.WEIGHTS_FILE),
                checked::contains);
        assertEquals(checked, got.keySet());
        List<String> names = WideCheckpoints.names();
        int d = 256;
        int dh = 64;
        for (FloatTensor t : got.values()) {
            int ti = names.indexOf(t.name());
            String n = t.name();
            int[] keptHeads = n.startsWith("encoder.") ? mask.keptHeads(layerOf(n)) : null;
            int[] keptNeurons = n.startsWith("encoder.") ? mask.keptNeurons(layerOf(n)) : null;
            long[] shape = t.shape();
            int rows = (int) shape[0];
            int cols = shape.length == 1 ? 1 : (int) shape[1];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    long denseIndex;
                    if (n.equals(TensorNames.WORD_EMBEDDINGS)) {
                        denseIndex = (long) r * cols + c;
                    } else if (n.contains("attention.self")) {
                        int head = keptHeads[r / dh];
                        denseIndex = ((long) head * dh + r % dh) * cols + c;
                    } else if (n.contains("attention.output.dense")) {
                        int head = keptHeads[c / dh];
                        denseIndex = (long) r * d + head * dh + c % dh;
                    } else if (n.contains("intermediate")) {
                        denseIndex = (long) keptNeurons[r] * cols + c;
                    } else {
                        denseIndex = (long) r * 8192 + keptNeurons[c];
                    }
                    if (t.data()[r * cols + c] != WideCheckpoints.value(ti, denseIndex)) {
                        throw new AssertionError(n + "[" + r + "][" + c + "] is " + t.data()[r * cols + c]
                                + ", dense element " + denseIndex + " is " + WideCheckpoints.value(ti, denseIndex));
                    }
                }
            }
        }
        // the layers that keep nothing have no such tensors at all, as the layout says
        Set<String> stored = SafetensorsReader.readHeader(out.resolve(HfCheckpointReader.WEIGHTS_FILE)).entries()
                .keySet();
        assertFalse(stored.contains(TensorNames.query(3, "weight")));
        assertFalse(stored.contains(TensorNames.intermediate(5, "weight")));
    }

    private static int layerOf(String name) {
        String rest = name.substring("encoder.layer.".length());
        return Integer.parseInt(rest.substring(0, rest.indexOf('.')));
    }

    private static UnitMask mask(ModelConfig config, long seed) {
        Random rnd = new Random(seed);
        int layers = config.numLayers();
        boolean[][] heads = new boolean[layers][config.numHeads()];
        boolean[][] neurons = new boolean[layers][config.intermediateSize()];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < config.numHeads(); h++) {
                heads[l][h] = l != 1 && rnd.nextBoolean();
            }
            for (int i = 0; i < config.intermediateSize(); i++) {
                neurons[l][i] = l != 2 && rnd.nextDouble() < 0.6;
            }
        }
        return new UnitMask(heads, neurons);
    }
}
