package dev.optinfleet.report;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

class ReportSmokeTest {
    @Test
    void writes() {
        long t0 = System.nanoTime();
        ReportData d = RealJob.fullData();
        long t1 = System.nanoTime();
        Path p = ReportWriter.write(d, Path.of("target", "smoke"));
        long t2 = System.nanoTime();
        System.out.println("job " + (t1 - t0) / 1e9 + " s, report " + (t2 - t1) / 1e9 + " s -> " + p.toAbsolutePath());
    }
}
