package dev.optinfleet.core.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.core.calibration.TextLines;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads evaluation samples in JSON Lines: one object per line with a string {@code "text"}, optionally a string
 * {@code "text_pair"}, and a string {@code "label"}. Either every line has a label or none has (an unlabelled
 * file, allowed only through {@link #read}); other fields are ignored and blank lines skipped. Every error names
 * the file and the line ({@code file:line: cause}).
 */
public final class LabelledSetReader {

    private LabelledSetReader() {
    }

    /** Reads a file where every line must have a label (for accuracy or for training a probe). */
    public static LabelledSet readLabelled(Path file) {
        LabelledSet set = read(file);
        if (!set.isLabelled()) {
            throw new IllegalArgumentException(file + ":1: field \"label\" is missing; accuracy needs a labelled"
                    + " file (an unlabelled one can only measure agreement)");
        }
        return set;
    }

    /** Reads a labelled or an unlabelled file. */
    public static LabelledSet read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("sample file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sample file " + file, e);
        }
    }

    public static LabelledSet read(String source, InputStream in) throws IOException {
        List<String> texts = new ArrayList<>();
        List<String> pairs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int[] firstLine = {0};
        TextLines.read(source, in, line -> {
            JsonNode label = line.node().get("label");
            boolean labelled = label != null && !label.isNull();
            if (labelled && (!label.isTextual() || label.asText().isBlank())) {
                throw new IllegalArgumentException(source + ":" + line.number() + ": field \"label\" must be a"
                        + " non-empty string (the class name), was " + label);
            }
            if (texts.isEmpty()) {
                firstLine[0] = line.number();
            } else if (labelled != !labels.isEmpty()) {
                throw new IllegalArgumentException(source + ":" + line.number() + ": field \"label\" is "
                        + (labelled ? "present" : "missing") + " but line " + firstLine[0] + " "
                        + (labelled ? "has none" : "has one") + "; label every line or none");
            }
            texts.add(line.text());
            pairs.add(line.pair());
            if (labelled) {
                labels.add(label.asText());
            }
        });
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("sample file " + source + " has no samples (empty file);"
                    + " expected JSON Lines with a \"text\" field");
        }
        return new LabelledSet(source, texts, pairs, labels);
    }
}
