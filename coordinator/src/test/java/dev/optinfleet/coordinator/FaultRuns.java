package dev.optinfleet.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the fault-injection tests share: the stored masks of a finished job, and the line each one reports. */
final class FaultRuns {
    private FaultRuns() {
    }

    /** budget -> mask.json as stored, for every result of a done job. */
    static Map<Double, String> masks(ObjectStore store, JsonNode done) {
        Map<Double, String> masks = new LinkedHashMap<>();
        for (JsonNode r : done.path("results")) {
            masks.put(r.path("budget").asDouble(), new String(store.getBytes(S3Uri.parse(r.path("mask_uri")
                    .asText())), StandardCharsets.UTF_8));
        }
        return masks;
    }

    /** The masks of a job under a fault equal those of the undisturbed run, budget by budget. */
    static void assertSameMasks(Map<Double, String> undisturbed, Map<Double, String> actual, String fault) {
        assertEquals(undisturbed.keySet(), actual.keySet(), fault + ": budgets");
        undisturbed.forEach((budget, mask) -> MaskAssertions.assertSameMask(mask, actual.get(budget),
                fault + ", budget " + budget));
    }

    /** One row of the README's fault table, on stdout: fault | jobs run | outcome | time to recover. */
    static void report(String fault, int jobs, String outcome, String timeToRecover) {
        System.out.printf("FAULT-TABLE | %s | %d | %s | %s |%n", fault, jobs, outcome, timeToRecover);
    }

    /** Seconds since {@code startNanos}, as the table shows them. */
    static String since(long startNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }
}
