package dev.optinfleet.coordinator;

import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares the coordinator's outputs with the local pruner's. Identical bytes pass at once; otherwise the units kept
 * must be identical and the numbers equal up to {@link #RELATIVE_TOLERANCE}: the Fisher scores were computed by
 * two encoder instances, and a multi-threaded CPU sum may round its last bit differently.
 */
final class MaskAssertions {
    static final double RELATIVE_TOLERANCE = 1e-9;

    private MaskAssertions() {
    }

    static void assertSameMask(String expectedJson, String actualJson, String what) {
        if (expectedJson.equals(actualJson)) {
            return;
        }
        System.err.println(what + ": mask.json bytes differ from the local pruner's; comparing the masks");
        MaskDocument e = MaskJson.read(expectedJson);
        MaskDocument a = MaskJson.read(actualJson);
        assertArrayEquals(e.heads(), a.heads(), what + ": heads kept");
        assertArrayEquals(e.neurons(), a.neurons(), what + ": neurons kept");
        assertEquals(e.model(), a.model(), what + ": model");
        assertEquals(e.budget(), a.budget(), what + ": budget");
        assertEquals(e.keptFraction(), a.keptFraction(), what + ": kept_fraction");
        assertEquals(e.flops(), a.flops(), what + ": flops");
        assertEquals(e.params(), a.params(), what + ": params");
        assertClose(e.keptImportance(), a.keptImportance(), what + ": kept_importance");
        // the fleet's finishing step repairs the weights as the local pruner does, on the same tokens
        assertEquals(e.reconstruction().repair(), a.reconstruction().repair(), what + ": reconstruction.repair");
        assertEquals(e.reconstruction().tokens(), a.reconstruction().tokens(), what + ": reconstruction.tokens");
        assertEquals(e.reconstruction().sublayers().stream().map(r -> r.status()).toList(),
                a.reconstruction().sublayers().stream().map(r -> r.status()).toList(), what + ": refit statuses");
    }

    static void assertSameScores(String expectedJson, String actualJson) {
        if (expectedJson.equals(actualJson)) {
            return;
        }
        System.err.println("scores.json bytes differ from the local pruner's; comparing within tolerance");
        ScoresDocument e = Json.read(expectedJson, ScoresDocument.class);
        ScoresDocument a = Json.read(actualJson, ScoresDocument.class);
        assertEquals(e.modelName(), a.modelName(), "scores.json model_name");
        assertEquals(e.weightsSha256(), a.weightsSha256(), "scores.json weights_sha256");
        assertArrayEquals(e.sampleLengths(), a.sampleLengths(), "scores.json sample_lengths");
        assertEquals(e.headScores().length, a.headScores().length, "layers");
        for (int l = 0; l < e.headScores().length; l++) {
            for (int h = 0; h < e.headScores()[l].length; h++) {
                assertClose(e.headScores()[l][h], a.headScores()[l][h], "head score " + l + "/" + h);
            }
            for (int n = 0; n < e.neuronScores()[l].length; n++) {
                assertClose(e.neuronScores()[l][n], a.neuronScores()[l][n], "neuron score " + l + "/" + n);
            }
        }
    }

    static void assertClose(double expected, double actual, String what) {
        double bound = RELATIVE_TOLERANCE * Math.max(Math.abs(expected), Double.MIN_NORMAL);
        assertTrue(Math.abs(expected - actual) <= bound, what + ": expected " + expected + ", was " + actual);
    }
}
