package dev.optinfleet.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class QualityReportTest {

    /** Two budgets (1.0 and 0.5); at 0.5 the mask gets the first {@code rightOf100} of every 100 texts right. */
    private static QualityRow row(double validationAt05, int rightOf100) {
        QualityRow row = new QualityRow();
        boolean[] all = new boolean[400];
        boolean[] some = new boolean[400];
        for (int i = 0; i < all.length; i++) {
            all[i] = true;
            some[i] = i % 100 < rightOf100;
        }
        row.add(2.0, new double[] {0.9, validationAt05}, new boolean[][] {all, some});
        row.add(4.0, new double[] {0.9, validationAt05}, new boolean[][] {all, some});
        return row;
    }

    @Test
    void picksTheSmallestValidationShortfallAndComparesWithTheDefault() {
        Map<String, QualityRow> rows = new LinkedHashMap<>();
        rows.put("weak", row(0.70, 70));
        rows.put("strong", row(0.88, 90));
        rows.put("default", row(0.85, 80));
        rows.put("random", row(0.95, 30)); // a baseline: never the pick, however it does on validation
        PrintStream old = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            QualityReport.print(rows, new double[] {1.0, 0.5}, 2, "default", List.of("random"));
        } finally {
            System.setOut(old);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("validation's pick: strong; the product's default: default"), out);
        assertTrue(out.contains("| strong | +10.0 ["), out);
        assertTrue(out.contains("| weak | -10.0 ["), out);
        assertTrue(out.contains("| strong | 3.0 s | 100.0% | 90.0% |"), out);
    }
}
