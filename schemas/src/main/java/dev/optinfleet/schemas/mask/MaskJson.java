package dev.optinfleet.schemas.mask;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads and writes {@code mask.json} ({@link MaskDocument}). Thread-safe.
 *
 * <p>Reading is strict: unknown fields, missing fields, nulls, numbers where strings belong (and vice versa) and
 * fractional numbers in the 0/1 matrices are errors, and the document's own checks (equal row lengths, 0/1 values,
 * counts matching the matrices) run on every read. Every failure is a {@link MaskFormatException} whose message
 * names the field.
 *
 * <p>Writing pretty-prints objects with one line per matrix row ({@code heads[l]}, {@code neurons[l]}), so a mask
 * diffs line by line per layer.
 */
public final class MaskJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new RowPerLine()));

    private MaskJson() {
    }

    /** The document as pretty-printed UTF-8 JSON text, ending in a newline. */
    public static String write(MaskDocument document) {
        Objects.requireNonNull(document, "document");
        try {
            return WRITER.writeValueAsString(document) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write mask.json: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@link #write(MaskDocument)} as UTF-8; the stream is not closed. */
    public static void write(MaskDocument document, OutputStream out) {
        Objects.requireNonNull(out, "out");
        try {
            out.write(write(document).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write mask.json: " + e.getMessage(), e);
        }
    }

    /**
     * Parses and validates.
     *
     * @throws MaskFormatException naming the field, when the text is not a valid mask.json
     */
    public static MaskDocument read(String json) {
        Objects.requireNonNull(json, "json");
        try {
            com.fasterxml.jackson.databind.JsonNode tree = MAPPER.readTree(json);
            if (tree instanceof com.fasterxml.jackson.databind.node.ObjectNode o && o.path("schema_version").isInt()
                    && o.get("schema_version").intValue() == 1 && !o.has("reconstruction")) {
                // written before reconstruction existed: the pruned checkpoint was the dense one sliced
                o.put("schema_version", MaskDocument.SCHEMA_VERSION);
                o.set("reconstruction", MAPPER.valueToTree(MaskDocument.Reconstruction.none()));
                return MAPPER.treeToValue(o, MaskDocument.class);
            }
            return MAPPER.readValue(json, MaskDocument.class);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
    }

    /**
     * Parses and validates UTF-8 JSON; the stream is not closed.
     *
     * @throws MaskFormatException   naming the field, when the bytes are not a valid mask.json
     * @throws UncheckedIOException when the stream cannot be read
     */
    public static MaskDocument read(InputStream in) {
        Objects.requireNonNull(in, "in");
        try {
            return read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read mask.json: " + e.getMessage(), e);
        }
    }

    private static MaskFormatException malformed(JsonProcessingException e) {
        if (e instanceof ValueInstantiationException v) {
            Throwable cause = v.getCause() != null ? v.getCause() : v;
            String at = path(v);
            return new MaskFormatException("mask.json: " + (at.isEmpty() || cause.getMessage().startsWith(at)
                    ? "" : "in '" + at + "': ") + cause.getMessage(), e);
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String at = path(u);
            return new MaskFormatException("mask.json: unknown field '" + at + "'", e);
        }
        if (e instanceof MismatchedInputException m) {
            return new MaskFormatException("mask.json: field '" + path(m) + "': " + m.getOriginalMessage(), e);
        }
        return new MaskFormatException("mask.json: not valid JSON: " + e.getOriginalMessage(), e);
    }

    /** The JSON path of a mapping error as snake_case names and indices, e.g. {@code heads[3][1]}. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Breaks lines between the rows of a top-level matrix only; every other array stays on one line. */
    private static final class RowPerLine implements DefaultPrettyPrinter.Indenter {
        private static final DefaultIndenter LINES = new DefaultIndenter("  ", "\n");

        @Override
        public void writeIndentation(JsonGenerator g, int level) throws IOException {
            JsonStreamContext array = g.getOutputContext();
            JsonStreamContext owner = array.getParent();
            if (array.inArray() && owner != null && owner.inObject() && owner.getParent() != null
                    && owner.getParent().inRoot()) {
                LINES.writeIndentation(g, level);
            } else {
                g.writeRaw(' ');
            }
        }

        @Override
        public boolean isInline() {
            return false;
        }
    }
}
