package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `optin eval` on a pruned MiniLM against its dense parent: agreement 1.0 at budget 1.0, lower at 0.5. */
class EvalCommandTest {

    @Test
    void agreementWithDenseParentIsOneAtFullBudgetAndLowerWhenPruned(@TempDir Path dir) throws Exception {
        Path texts = dir.resolve("texts.jsonl");
        try (InputStream in = getClass().getResourceAsStream("/demo/shard-00000.jsonl")) {
            Files.copy(in, texts);
        }
        Path out = dir.resolve("out");
        OptinCommandTest.Run prune = OptinCommandTest.run("prune", "--in-process", "--json", "--model",
                "bundled:minilm", "--calibration", texts.toString(), "--budget", "1.0", "--budget", "0.5",
                "--out", out.toString());
        assertEquals(0, prune.code(), prune.err());

        double full = agreement(out.resolve("budget-1"), texts);
        double half = agreement(out.resolve("budget-0.5"), texts);
        assertEquals(1.0, full, 0.0);
        assertTrue(half < 1.0, "a model pruned to half its FLOPs should disagree somewhere, got " + half);
    }

    private static double agreement(Path model, Path texts) throws Exception {
        OptinCommandTest.Run r = OptinCommandTest.run("eval", "--json", "--model", model.toString(), "--reference",
                "bundled:minilm", "--data", texts.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode result = Json.mapper().readTree(r.out());
        return result.path("agreement").asDouble();
    }
}
