package dev.optinfleet.schemas.events;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optinfleet.schemas.Json;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Writes the bucket notification MinIO would publish to Kafka for an uploaded object, so that uploads through this
 * project's own API or CLI announce themselves exactly as uploads to a production MinIO do (no server that runs
 * here emits notifications). {@link S3EventParser} reads what this writes.
 *
 * <p>The message: key {@code bucket/object} (the object key as written); value
 * {@code {"EventName","Key","Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventTime","eventName",
 * "s3":{"bucket":{"name","arn"},"object":{"key","size","eTag","sequencer"}}, ...}]}} with the object key
 * URL-encoded as MinIO encodes it (Go's query escaping: {@code /} as {@code %2F}, a space as {@code +}).
 *
 * <p>Stateless and thread-safe.
 */
public final class MinioEventWriter {

    /** MinIO's value of {@code Records[].eventSource}. */
    public static final String EVENT_SOURCE = "minio:s3";
    /** Who the event says caused it, and the configuration id: this project. */
    public static final String PRINCIPAL = "optin-fleet";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private MinioEventWriter() {
    }

    /**
     * One message for {@link dev.optinfleet.schemas.Topics#CHECKPOINT_EVENTS}.
     *
     * @param key   the Kafka message key, {@code bucket/object}
     * @param value the JSON notification
     */
    public record Message(String key, String value) {
        public Message {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** The notification for {@code created}, stamped with {@code eventTime}. */
    public static Message write(ObjectCreated created, Instant eventTime) {
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(eventTime, "eventTime");
        String objectName = created.bucket() + "/" + created.key();

        ObjectNode bucket = NODES.objectNode();
        bucket.put("name", created.bucket());
        bucket.putObject("ownerIdentity").put("principalId", PRINCIPAL);
        bucket.put("arn", "arn:aws:s3:::" + created.bucket());

        ObjectNode object = NODES.objectNode();
        object.put("key", queryEscape(created.key()));
        object.put("size", created.size());
        object.put("eTag", created.eTag());
        object.put("sequencer", sequencer(eventTime));

        ObjectNode s3 = NODES.objectNode();
        s3.put("s3SchemaVersion", "1.0");
        s3.put("configurationId", PRINCIPAL);
        s3.set("bucket", bucket);
        s3.set("object", object);

        ObjectNode record = NODES.objectNode();
        record.put("eventVersion", "2.0");
        record.put("eventSource", EVENT_SOURCE);
        record.put("awsRegion", "");
        record.put("eventTime", DateTimeFormatter.ISO_INSTANT.format(eventTime));
        record.put("eventName", created.eventName());
        record.putObject("userIdentity").put("principalId", PRINCIPAL);
        record.putObject("requestParameters").put("principalId", PRINCIPAL);
        record.putObject("responseElements");
        record.set("s3", s3);
        record.putObject("source").put("userAgent", PRINCIPAL);

        ObjectNode root = NODES.objectNode();
        root.put("EventName", created.eventName());
        root.put("Key", objectName);
        ArrayNode records = root.putArray("Records");
        records.add(record);
        return new Message(objectName, Json.write(root));
    }

    /** The notification for an object just written with {@code PUT}. */
    public static Message put(String bucket, String key, long size, String eTag, Instant eventTime) {
        return write(ObjectCreated.put(bucket, key, size, eTag), eventTime);
    }

    /**
     * URL query escaping as Go's {@code url.QueryEscape}, which MinIO applies to object keys: letters, digits and
     * {@code -_.~} stay, a space becomes {@code +}, every other byte of the UTF-8 form becomes {@code %XX}.
     */
    static String queryEscape(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                out.append((char) c);
            } else if (c == ' ') {
                out.append('+');
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** MinIO's sequencer: the event time in nanoseconds, upper-case hexadecimal. */
    private static String sequencer(Instant eventTime) {
        long nanos = eventTime.getEpochSecond() * 1_000_000_000L + eventTime.getNano();
        return Long.toHexString(nanos).toUpperCase();
    }
}
