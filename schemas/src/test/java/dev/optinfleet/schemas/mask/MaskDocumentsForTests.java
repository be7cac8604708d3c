package dev.optinfleet.schemas.mask;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small valid mask.json: 2 layers, 3 heads, 4 neurons. */
final class MaskDocumentsForTests {
    static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private MaskDocumentsForTests() {
    }

    static MaskDocument small() {
        int[][] heads = {{1, 0, 1}, {0, 0, 1}};
        int[][] neurons = {{1, 1, 0, 1}, {0, 1, 0, 0}};
        // head 456 MAC, neuron 48 MAC: 3 heads, 4 neurons kept of 6 and 8
        double before = 6 * 456.0 + 8 * 48.0;
        double after = 3 * 456.0 + 4 * 48.0;
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("samples", 128);
        settings.put("K", 768);
        settings.put("lambda", 10.0);
        settings.put("multipliers", Map.of("head", 0.5));
        settings.put("engine", "pytorch");
        settings.put("budgets", List.of(0.5, 0.6));
        settings.put("seed", 0);
        return new MaskDocument(MaskDocument.SCHEMA_VERSION, new MaskDocument.Model("tiny-bert", SHA), 0.55,
                after / before, 12.25, 3.0, new MaskDocument.Flops(before, after, before + 320, after + 320),
                new MaskDocument.Params(1156, 965), MaskDocument.Kept.of(heads, neurons),
                new MaskDocument.Scoring("fisher", settings), MaskDocument.Reconstruction.none(), heads, neurons);
    }

    /** {@link #small()} with a full reconstruction record: layer 0 refit, layer 1's FFN keeps one neuron. */
    static MaskDocument refit() {
        return small().withReconstruction(new MaskDocument.Reconstruction("full", 0.01, 16, 420, List.of(
                new MaskDocument.Refit(0, "attention", "refit", 8, 420, 0.37, 12.5, 3.25, false),
                new MaskDocument.Refit(0, "ffn", "refit", 3, 420, 0.02, 40.0, 11.0, false),
                new MaskDocument.Refit(1, "attention", "refit", 4, 420, 0.5, 9.0, 2.0, false),
                new MaskDocument.Refit(1, "ffn", "refit", 1, 420, 0.01, 7.0, 6.5, false))));
    }
}
