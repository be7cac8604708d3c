package dev.optinfleet.schemas.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.MalformedMessageException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the value of a message on {@link dev.optinfleet.schemas.Topics#CHECKPOINT_EVENTS}: an S3 bucket
 * notification in MinIO's format or AWS's, into the objects it reports created.
 *
 * <p>Both formats carry {@code Records[]}; MinIO adds a wrapper ({@code EventName}, {@code Key}) and names events
 * {@code s3:ObjectCreated:Put} with {@code eventSource} {@code minio:s3}, AWS names them {@code ObjectCreated:Put}
 * with {@code eventSource} {@code aws:s3}. Per record: {@code eventName}, {@code s3.bucket.name},
 * {@code s3.object.key} (URL-encoded, {@code +} for a space), {@code s3.object.size} and {@code s3.object.eTag}.
 *
 * <p>What is skipped, not an error: records of other sources (an {@code eventSource} not ending in {@code :s3}),
 * every event other than {@code ObjectCreated:*} (removals, accesses, tagging, lifecycle), and AWS's
 * {@code s3:TestEvent}, which has no records. A record that is an object-created event but lacks a field, or whose
 * key is not valid URL encoding, makes the whole message malformed: a {@link MalformedMessageException} naming the
 * field, e.g. {@code Records[1].s3.object.size}.
 *
 * <p>Stateless and thread-safe.
 */
public final class S3EventParser {

    /** Classpath location of the JSON Schema of the notification (both formats). */
    public static final String SCHEMA_RESOURCE = "/schemas/s3-event.schema.json";

    private static final String WHAT = "S3 event: ";

    private S3EventParser() {
    }

    /**
     * The objects a notification reports created, in record order.
     *
     * @throws MalformedMessageException naming the field at fault
     */
    public static List<ObjectCreated> parse(String json) {
        if (json == null || json.isBlank()) {
            throw new MalformedMessageException(WHAT + "empty message");
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(WHAT + "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new MalformedMessageException(WHAT + "expected a JSON object, was "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        JsonNode records = root.get("Records");
        if (records == null || records.isNull()) {
            if ("s3:TestEvent".equals(root.path("Event").asText(null))) {
                return List.of();
            }
            throw new MalformedMessageException(WHAT + "field 'Records' is missing");
        }
        if (!records.isArray()) {
            throw new MalformedMessageException(WHAT + "field 'Records' must be an array, was "
                    + records.getNodeType().toString().toLowerCase());
        }
        List<ObjectCreated> created = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            ObjectCreated object = record(records.get(i), "Records[" + i + "]");
            if (object != null) {
                created.add(object);
            }
        }
        return List.copyOf(created);
    }

    /** The object the record reports created, or null when the record is about something else. */
    private static ObjectCreated record(JsonNode record, String path) {
        if (!record.isObject()) {
            throw new MalformedMessageException(WHAT + "field '" + path + "' must be an object");
        }
        JsonNode source = record.get("eventSource");
        if (source != null && !source.isNull() && !(source.isTextual() && source.asText().endsWith(":s3"))) {
            return null;
        }
        String eventName = text(record, "eventName", path);
        String normalised = eventName.startsWith("s3:") ? eventName : "s3:" + eventName;
        if (!normalised.startsWith(ObjectCreated.EVENT_PREFIX)) {
            return null;
        }
        JsonNode s3 = object(record, "s3", path);
        String s3Path = path + ".s3";
        String bucket = text(object(s3, "bucket", s3Path), "name", s3Path + ".bucket");
        JsonNode object = object(s3, "object", s3Path);
        String objectPath = s3Path + ".object";
        String encodedKey = text(object, "key", objectPath);
        String key;
        try {
            key = URLDecoder.decode(encodedKey, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(WHAT + "field '" + objectPath + ".key' is not URL-encoded: '"
                    + encodedKey + "' (" + e.getMessage() + ")", e);
        }
        long size = size(object, objectPath);
        String eTag = text(object, "eTag", objectPath);
        try {
            return new ObjectCreated(bucket, key, size, eTag, normalised);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(WHAT + path + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new MalformedMessageException(WHAT + "field '" + path + "." + field + "' is missing");
        }
        if (!node.isObject()) {
            throw new MalformedMessageException(WHAT + "field '" + path + "." + field + "' must be an object");
        }
        return node;
    }

    private static String text(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new MalformedMessageException(WHAT + "field '" + path + "." + field + "' is missing");
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new MalformedMessageException(WHAT + "field '" + path + "." + field
                    + "' must be a non-empty string, was " + node);
        }
        return node.asText();
    }

    /** A byte count: a non-negative integer, also accepted as a string of digits (as Ceph writes it). */
    private static long size(JsonNode object, String path) {
        JsonNode node = object.get("size");
        String field = path + ".size";
        if (node == null || node.isNull()) {
            throw new MalformedMessageException(WHAT + "field '" + field + "' is missing");
        }
        long size;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            size = node.asLong();
        } else if (node.isTextual() && node.asText().matches("[0-9]{1,18}")) {
            size = Long.parseLong(node.asText());
        } else {
            throw new MalformedMessageException(WHAT + "field '" + field + "' must be a non-negative integer, was "
                    + node);
        }
        if (size < 0) {
            throw new MalformedMessageException(WHAT + "field '" + field + "' must be >= 0, was " + size);
        }
        return size;
    }
}
