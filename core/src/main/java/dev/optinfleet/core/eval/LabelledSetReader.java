package dev.optinfleet.core.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int number = 0;
        int firstLine = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(source + ":" + number + ": not a JSON object: "
                        + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(source + ":" + number + ": expected a JSON object with a"
                        + " \"text\" field");
            }
            JsonNode text = node.get("text");
            if (text == null || !text.isTextual() || text.asText().isBlank()) {
                throw new IllegalArgumentException(source + ":" + number + ": field \"text\" is missing, empty"
                        + " or not a string");
            }
            JsonNode pair = node.get("text_pair");
            if (pair != null && !pair.isNull() && !pair.isTextual()) {
                throw new IllegalArgumentException(source + ":" + number + ": field \"text_pair\" must be a"
                        + " string");
            }
            JsonNode label = node.get("label");
            boolean labelled = label != null && !label.isNull();
            if (labelled && (!label.isTextual() || label.asText().isBlank())) {
                throw new IllegalArgumentException(source + ":" + number + ": field \"label\" must be a non-empty"
                        + " string (the class name), was " + label);
            }
            if (texts.isEmpty()) {
                firstLine = number;
            } else if (labelled != !labels.isEmpty()) {
                throw new IllegalArgumentException(source + ":" + number + ": field \"label\" is "
                        + (labelled ? "present" : "missing") + " but line " + firstLine + " "
                        + (labelled ? "has none" : "has one") + "; label every line or none");
            }
            texts.add(text.asText());
            pairs.add(pair == null || pair.isNull() ? null : pair.asText());
            if (labelled) {
                labels.add(label.asText());
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("sample file " + source + " has no samples (empty file);"
                    + " expected JSON Lines with a \"text\" field");
        }
        return new LabelledSet(source, texts, pairs, labels);
    }
}
