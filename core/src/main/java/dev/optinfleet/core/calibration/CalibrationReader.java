package dev.optinfleet.core.calibration;

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
 * Reads calibration shards in JSON Lines: one object per line with a string {@code "text"} and optionally
 * {@code "text_pair"}; other fields (labels among them) are ignored, blank lines skipped. Errors name the source
 * and line.
 */
public final class CalibrationReader {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int number = 0;
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
            texts.add(text.asText());
            pairs.add(pair == null || pair.isNull() ? null : pair.asText());
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration file " + source + " has no samples (empty file);"
                    + " expected JSON Lines with a \"text\" field");
        }
        return new CalibrationShard(source, texts, pairs);
    }
}
