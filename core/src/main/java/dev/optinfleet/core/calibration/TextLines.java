package dev.optinfleet.core.calibration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The JSON Lines text format shared by calibration shards and evaluation sets: one object per line with a string
 * {@code "text"} and optionally {@code "text_pair"}; blank lines skipped. Errors name the source and line.
 */
public final class TextLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One line.
     *
     * @param number 1-based line number, for error messages
     * @param text   the text
     * @param pair   the second segment, or null
     * @param node   the whole object, for fields of a particular format (e.g. "label")
     */
    public record Line(int number, String text, String pair, JsonNode node) {
    }

    private TextLines() {
    }

    /** Reads every non-blank line, validated, in order. */
    public static void read(String source, InputStream in, Consumer<Line> lines) throws IOException {
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
            lines.accept(new Line(number, text.asText(), pair == null || pair.isNull() ? null : pair.asText(), node));
        }
    }
}
