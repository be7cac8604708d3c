package dev.optinfleet.core.prune;

import dev.optinfleet.core.checkpoint.ConfigJson;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.checkpoint.SafetensorsWriter;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.model.TensorLayout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic checkpoint too large for a small heap: a tiny vocabulary but 17 wide layers (d = 256, F = 8192),
 * about 300 MB of float32, written tensor by tensor without ever being in memory. Every value is a function of
 * its tensor's index in the layout and its own element index ({@link #value}), so a test can say what any sliced
 * element must be without reading the dense file.
 */
final class WideCheckpoints {
    static final int LAYERS = 17;

    private WideCheckpoints() {
    }

    static ModelConfig config() {
        return ModelConfig.dense("bert", 1000, 256, LAYERS, 4, 8192, 64, 2, 1e-12, Pooling.MEAN, 0, List.of());
    }

    /** The dense value of element {@code i} of the {@code t}-th tensor of the layout. */
    static float value(int t, long i) {
        long h = (i * 2654435761L + t * 40503L) % 1000003L;
        return h / 1000003f - 0.5f;
    }

    /** Index of each canonical tensor name in the layout. */
    static List<String> names() {
        return new ArrayList<>(TensorLayout.expected(config(), false).keySet());
    }

    static void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Map<String, long[]> shapes = TensorLayout.expected(config(), false);
            List<String> names = names();
            SafetensorsWriter.write(dir.resolve(HfCheckpointReader.WEIGHTS_FILE), shapes, Map.of("format", "pt"),
                    (name, sink) -> {
                        int t = names.indexOf(name);
                        long n = 1;
                        for (long d : shapes.get(name)) {
                            n *= d;
                        }
                        float[] piece = new float[1 << 16];
                        for (long first = 0; first < n; first += piece.length) {
                            int len = (int) Math.min(piece.length, n - first);
                            for (int k = 0; k < len; k++) {
                                piece[k] = value(t, first + k);
                            }
                            sink.accept(piece, 0, len);
                        }
                    });
            ConfigJson.write(config(), dir.resolve(HfCheckpointReader.CONFIG_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Seeded: about half of each layer's heads and neurons; layer 3 keeps no head, layer 5 no neuron. */
    static UnitMask mask(long seed) {
        ModelConfig c = config();
        Random rnd = new Random(seed);
        boolean[][] heads = new boolean[LAYERS][c.numHeads()];
        boolean[][] neurons = new boolean[LAYERS][c.intermediateSize()];
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < c.numHeads(); h++) {
                heads[l][h] = l != 3 && rnd.nextBoolean();
            }
            for (int i = 0; i < c.intermediateSize(); i++) {
                neurons[l][i] = l != 5 && rnd.nextBoolean();
            }
        }
        return new UnitMask(heads, neurons);
    }
}
