package dev.optinfleet.core.scoring;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real run's peak resident memory, in a JVM of its own, stays under the budget it was given. */
class BoundedScoringTest {
    private static final long BUDGET = 1536L << 20;

    @Test
    void twelveLayersOnLongTextsStayUnderASmallBudget() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), BoundedScoringMain.class.getName(), BUDGET + "")
                .redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.add(line);
                if (line.startsWith("RESULT")) {
                    result = line;
                }
            }
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child finished");
        assertEquals(0, p.exitValue(), String.join("\n", out));
        assertNotNull(result, String.join("\n", out));
        long hwm = Long.parseLong(result.replaceAll(".*hwm=(\\d+).*", "$1"));
        int perPass = Integer.parseInt(result.replaceAll(".*perPass=(\\d+).*", "$1"));
        assertTrue(perPass >= 1 && perPass < 4, "the budget splits the 4 texts into passes: " + result);
        assertTrue(hwm <= BUDGET, "peak resident " + (hwm >> 20) + " MB exceeds the budget of " + (BUDGET >> 20)
                + " MB: " + result);
    }
}
