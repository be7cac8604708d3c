package dev.optinfleet.report;

import dev.optinfleet.core.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * Writes report.html. The entry point for the coordinator (after it has written a job's outputs) and the CLI:
 *
 * <pre>{@code
 *   ReportData data = ReportData.from(scores, denseCheckpoint, masks, timings, evaluation);  // timings, evaluation may be null
 *   Path html = ReportWriter.write(data, outputDir);                                         // outputDir/report.html
 * }</pre>
 *
 * The file is written to a temporary file in the same directory and renamed over {@code report.html}, so a reader
 * never sees a partial report. Pure apart from the file; thread-safe.
 */
public final class ReportWriter {
    /** The report's file name in a job's output directory. */
    public static final String FILE_NAME = "report.html";

    private ReportWriter() {
    }

    /**
     * Renders the report and writes it to {@code dir/report.html} (creating {@code dir}).
     *
     * @return the written file
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static Path write(ReportData data, Path dir) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(dir, "dir");
        return writeHtml(ReportRenderer.render(data), dir.resolve(FILE_NAME));
    }

    /** The report as bytes (UTF-8), e.g. to upload to object storage without a local file. */
    public static byte[] render(ReportData data) {
        return ReportRenderer.render(data).getBytes(StandardCharsets.UTF_8);
    }

    private static Path writeHtml(String html, Path file) {
        try {
            AtomicFiles.write(file, tmp -> {
                Files.writeString(tmp, html, StandardCharsets.UTF_8);
                if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                    // a temporary file is private; a report is for anyone who can read the output directory
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                }
            });
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
