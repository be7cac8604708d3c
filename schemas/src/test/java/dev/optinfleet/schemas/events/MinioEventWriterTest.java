package dev.optinfleet.schemas.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MinioEventWriterTest {

    private static final Instant AT = Instant.parse("2025-03-14T09:26:53.589Z");

    @Test
    void writtenEventParsesBackToTheSameObject() {
        ObjectCreated created = ObjectCreated.put("models", "team a/bert+base/über~1*.json", 612, "9e107d9d");
        MinioEventWriter.Message message = MinioEventWriter.write(created, AT);
        assertEquals("models/team a/bert+base/über~1*.json", message.key());
        assertEquals(List.of(created), S3EventParser.parse(message.value()));
    }

    @Test
    void keyIsEscapedAsMinioEscapesIt() throws Exception {
        MinioEventWriter.Message message = MinioEventWriter.put("models", "team a/bert+base/ü~*.json", 3, "e", AT);
        JsonNode root = Json.mapper().readTree(message.value());
        assertEquals("team+a%2Fbert%2Bbase%2F%C3%BC~%2A.json", root.at("/Records/0/s3/object/key").asText());
        assertEquals("s3:ObjectCreated:Put", root.get("EventName").asText());
        assertEquals("models/team a/bert+base/ü~*.json", root.get("Key").asText());
        assertEquals("minio:s3", root.at("/Records/0/eventSource").asText());
        assertEquals("2025-03-14T09:26:53.589Z", root.at("/Records/0/eventTime").asText());
        assertEquals(3, root.at("/Records/0/s3/object/size").asLong());
        assertEquals("arn:aws:s3:::models", root.at("/Records/0/s3/bucket/arn").asText());
    }
}
