package dev.optinfleet.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {

    @Test
    void writesReportHtmlIntoANewDirectoryLeavingNoPartialFile(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("a/b");
        Path file = ReportWriter.write(RealJob.data(), out);
        assertEquals(out.resolve(ReportWriter.FILE_NAME), file);
        assertTrue(Files.readString(file).startsWith("<!DOCTYPE html>"));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(1, files.count(), "only report.html should be left");
        }
    }

    @Test
    void overwritesAnOlderReport(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(ReportWriter.FILE_NAME), "old");
        ReportWriter.write(RealJob.data(), dir);
        assertArrayEquals(ReportWriter.render(RealJob.data()), Files.readAllBytes(dir.resolve(ReportWriter.FILE_NAME)));
        assertTrue(new String(ReportWriter.render(RealJob.data()), StandardCharsets.UTF_8).contains("</html>"));
    }

    @Test
    void anUnwritableDirectoryIsNamed(@TempDir Path dir) throws IOException {
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        var e = assertThrows(java.io.UncheckedIOException.class, () -> ReportWriter.write(RealJob.data(), notADir));
        assertTrue(e.getMessage().contains(notADir.toString()), e.getMessage());
    }
}
