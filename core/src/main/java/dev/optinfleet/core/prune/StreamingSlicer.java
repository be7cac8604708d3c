package dev.optinfleet.core.prune;

import dev.optinfleet.core.checkpoint.CheckpointHeader;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.checkpoint.ConfigJson;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.checkpoint.SafetensorsFile;
import dev.optinfleet.core.checkpoint.SafetensorsReader;
import dev.optinfleet.core.checkpoint.SafetensorsWriter;
import dev.optinfleet.core.io.AtomicFiles;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.TensorLayout;
import dev.optinfleet.core.model.TensorNames;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link CheckpointSlicer}'s slicing from the dense model's file to the pruned model's file, one row at a time:
 * a kept row of Q/K/V or of the first FFN linear is read and written, a row of an output projection is read whole
 * and its kept columns written, every other tensor is copied in pieces. The heap holds the header, one row of the
 * widest matrix and two buffers of about 1 MB, whatever the model's size, so a process slices a checkpoint far
 * larger than its heap (the coordinator's finishing step; {@code StreamingSlicerTest} slices 300 MB under a
 * 128 MB heap).
 *
 * <p>The directory written is byte for byte what {@link CheckpointWriter#write} writes for
 * {@code CheckpointSlicer.slice(dense, mask)}: the same model.safetensors (names, order, F32 values), config.json
 * and tokenizer.json; config.json is written last.
 */
public final class StreamingSlicer {
    /** Elements copied per piece when a tensor is kept whole. */
    private static final int COPY_FLOATS = 1 << 18;

    private StreamingSlicer() {
    }

    /**
     * Slices {@code dense} by {@code mask} into {@code dir} (created if needed).
     *
     * @param tokenizerJson a tokenizer.json to copy alongside, or null
     * @return the pruned model's config (per-layer head counts and widths)
     * @throws IllegalArgumentException when the model is already pruned or the mask does not fit it
     * @throws UncheckedIOException     when a file cannot be read or written
     */
    public static ModelConfig slice(CheckpointHeader dense, UnitMask mask, Path dir, Path tokenizerJson) {
        ModelConfig c = dense.config();
        if (c.isPruned()) {
            throw new IllegalArgumentException("checkpoint " + dense.name() + " is already pruned; slice the dense"
                    + " parent with the combined mask instead");
        }
        if (mask.layers() != c.numLayers() || mask.headsPerLayer() != c.numHeads()
                || mask.neuronsPerLayer() != c.intermediateSize()) {
            throw new IllegalArgumentException("mask " + mask + " (" + mask.layers() + " x " + mask.headsPerLayer()
                    + " heads, " + mask.neuronsPerLayer() + " neurons per layer) does not fit " + c);
        }
        Map<String, Selection> selections = new HashMap<>();
        int[] heads = new int[c.numLayers()];
        int[] neurons = new int[c.numLayers()];
        for (int l = 0; l < c.numLayers(); l++) {
            int[] rows = headRows(mask.keptHeads(l), c.headDim());
            int[] keptNeurons = mask.keptNeurons(l);
            heads[l] = mask.keptHeads(l).length;
            neurons[l] = keptNeurons.length;
            for (String param : new String[] {"weight", "bias"}) {
                selections.put(TensorNames.query(l, param), Selection.rows(rows));
                selections.put(TensorNames.key(l, param), Selection.rows(rows));
                selections.put(TensorNames.value(l, param), Selection.rows(rows));
            }
            selections.put(TensorNames.attentionOutput(l, "weight"), Selection.columns(rows));
            selections.put(TensorNames.intermediate(l, "weight"), Selection.rows(keptNeurons));
            selections.put(TensorNames.intermediate(l, "bias"), Selection.rows(keptNeurons));
            selections.put(TensorNames.output(l, "weight"), Selection.columns(keptNeurons));
        }
        ModelConfig pruned = c.withKept(heads, neurons);
        boolean prefixed = pruned.hasClassifier();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, String> canonicalOf = new HashMap<>();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(pruned, dense.hasPooler()).entrySet()) {
            String key = e.getKey();
            boolean head = key.equals(TensorNames.CLASSIFIER_WEIGHT) || key.equals(TensorNames.CLASSIFIER_BIAS);
            String stored = prefixed && !head ? "bert." + key : key;
            shapes.put(stored, e.getValue());
            canonicalOf.put(stored, key);
        }
        try {
            Files.createDirectories(dir);
            try (SafetensorsFile in = SafetensorsFile.open(dense.weights())) {
                SafetensorsWriter.write(dir.resolve(HfCheckpointReader.WEIGHTS_FILE), shapes,
                        CheckpointWriter.METADATA, (name, sink) -> {
                            String key = canonicalOf.get(name);
                            SafetensorsReader.Entry entry = dense.stored().get(key);
                            Selection s = selections.get(key);
                            if (s == null) {
                                copy(in, entry, sink);
                            } else if (s.columns) {
                                columns(in, entry, s.indices, sink);
                            } else {
                                rows(in, entry, s.indices, sink);
                            }
                        });
            }
            if (tokenizerJson != null) {
                AtomicFiles.write(dir.resolve(HfCheckpointReader.TOKENIZER_FILE),
                        tmp -> Files.copy(tokenizerJson, tmp, StandardCopyOption.REPLACE_EXISTING));
            }
            ConfigJson.write(pruned, dir.resolve(HfCheckpointReader.CONFIG_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the slice of " + dense.name() + " into " + dir + ": "
                    + e.getMessage(), e);
        }
        return pruned;
    }

    /** Which rows or columns of a tensor are kept. */
    private record Selection(boolean columns, int[] indices) {
        static Selection rows(int[] rows) {
            return new Selection(false, rows);
        }

        static Selection columns(int[] cols) {
            return new Selection(true, cols);
        }
    }

    private static int[] headRows(int[] keptHeads, int dh) {
        int[] rows = new int[keptHeads.length * dh];
        for (int i = 0; i < keptHeads.length; i++) {
            for (int j = 0; j < dh; j++) {
                rows[i * dh + j] = keptHeads[i] * dh + j;
            }
        }
        return rows;
    }

    private static void copy(SafetensorsFile in, SafetensorsReader.Entry entry, SafetensorsWriter.FloatSink sink)
            throws IOException {
        long count = entry.elementCount();
        float[] piece = new float[(int) Math.min(COPY_FLOATS, count)];
        for (long first = 0; first < count; first += piece.length) {
            int n = (int) Math.min(piece.length, count - first);
            in.read(entry, first, piece, 0, n);
            sink.accept(piece, 0, n);
        }
    }

    /** Kept rows (first axis) of a matrix or elements of a vector, each run of consecutive rows read at once. */
    private static void rows(SafetensorsFile in, SafetensorsReader.Entry entry, int[] rows,
                             SafetensorsWriter.FloatSink sink) throws IOException {
        long[] shape = entry.shape();
        int width = shape.length == 1 ? 1 : (int) shape[1];
        int maxRun = Math.max(1, COPY_FLOATS / width);
        float[] run = new float[(int) Math.min((long) maxRun * width, (long) rows.length * width)];
        for (int i = 0; i < rows.length; ) {
            int j = i + 1;
            while (j < rows.length && rows[j] == rows[j - 1] + 1 && j - i < maxRun) {
                j++;
            }
            int n = (j - i) * width;
            in.read(entry, (long) rows[i] * width, run, 0, n);
            sink.accept(run, 0, n);
            i = j;
        }
    }

    /** Kept columns of a matrix, one row at a time. */
    private static void columns(SafetensorsFile in, SafetensorsReader.Entry entry, int[] cols,
                                SafetensorsWriter.FloatSink sink) throws IOException {
        long[] shape = entry.shape();
        int rows = (int) shape[0];
        int width = (int) shape[1];
        float[] row = new float[width];
        float[] kept = new float[cols.length];
        for (int r = 0; r < rows; r++) {
            in.read(entry, (long) r * width, row, 0, width);
            for (int j = 0; j < cols.length; j++) {
                kept[j] = row[cols[j]];
            }
            sink.accept(kept);
        }
    }
}
