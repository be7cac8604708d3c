package dev.optinfleet.core.calibration;


import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads calibration shards in JSON Lines: one object per line with a string {@code "text"} and optionally
 * {@code "text_pair"}; other fields (labels among them) are ignored, blank lines skipped. Errors name the source
 * and line.
 */
public final class CalibrationReader {
    private CalibrationReader() {
    }

    public static CalibrationShard read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("calibration file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration file " + file, e);
        }
    }

    public static CalibrationShard read(String source, InputStream in) throws IOException {
        List<String> texts = new ArrayList<>();
        List<String> pairs = new ArrayList<>();
        TextLines.read(source, in, line -> {
            texts.add(line.text());
            pairs.add(line.pair());
        });
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration file " + source + " has no samples (empty file);"
                    + " expected JSON Lines with a \"text\" field");
        }
        return new CalibrationShard(source, texts, pairs);
    }
}
