package dev.optinfleet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code optin plan} prints the job's cost, from the same plan as prune, before any scoring. */
class PlanCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsUnitsTasksPassesAndWallTimesForEachWorkerCount() throws IOException {
        Path cal = dir.resolve("cal.jsonl");
        StringBuilder texts = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            texts.append("{\"text\": \"").append(("sentence number " + i + " about pruning transformers ").repeat(8))
                    .append("\"}\n");
        }
        Files.writeString(cal, texts);

        OptinCommandTest.Run r = OptinCommandTest.run("plan", "--model", "bundled:minilm", "--calibration",
                cal.toString(), "--scorer", "fisher", "--samples-per-task", "16", "--workers", "1,2,3,8");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("units:            72 heads + 9216 neurons"), out);
        assertTrue(out.contains("tasks:            3 "), out); // 40 samples in tasks of 16
        assertTrue(out.contains("forward passes:   40 "), out);
        assertTrue(out.contains("backward passes:  320"), out); // 8 probes per sample
        assertTrue(out.contains("cpu-2core"), out);
        double one = wall(out, 1);
        double two = wall(out, 2);
        double three = wall(out, 3);
        double eight = wall(out, 8);
        assertTrue(two < one && three < two, out);
        assertEquals(three, eight, 1e-9, "3 tasks keep at most 3 workers busy: " + out);

        r = OptinCommandTest.run("plan", "--model", "bundled:minilm", "--calibration", cal.toString(),
                "--kind", "tpu");
        OptinCommandTest.assertOneLine(r, OptinCommand.BAD_INPUT, "'tpu'", "h200");
    }

    private static double wall(String out, int workers) {
        Matcher m = Pattern.compile("wall, +" + workers + " workers: ([0-9.]+) s").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }
}
