package dev.optinfleet.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The one JSON codec of every message and file: snake_case names, nulls omitted, unknown fields rejected (a typo in
 * a request is an error, not a silently ignored setting). Thread-safe.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(SerializationFeature.INDENT_OUTPUT, false)
            .findAndRegisterModules();

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    public static String writePretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses and validates a message. Jackson's errors and the records' own validation both become a
     * {@link MalformedMessageException} that names the type and the field.
     */
    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new MalformedMessageException(type.getSimpleName() + ": " + cause.getMessage(), e);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new MalformedMessageException(type.getSimpleName() + ": unknown field '" + e.getPropertyName()
                    + "'", e);
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            throw new MalformedMessageException(type.getSimpleName() + ": field '" + path(e) + "': "
                    + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(type.getSimpleName() + ": not valid JSON: " + e.getOriginalMessage(),
                    e);
        }
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
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
}
