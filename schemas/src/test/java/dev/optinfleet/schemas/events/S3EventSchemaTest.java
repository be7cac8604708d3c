package dev.optinfleet.schemas.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.time.Instant;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** s3-event.schema.json against the documented formats, the writer's output, and broken events. */
class S3EventSchemaTest {
    private static final ObjectMapper TREES = new ObjectMapper();

    static JsonSchema schema() throws Exception {
        try (InputStream in = S3EventSchemaTest.class.getResourceAsStream(S3EventParser.SCHEMA_RESOURCE)) {
            assertNotNull(in, S3EventParser.SCHEMA_RESOURCE + " is not on the classpath");
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"minio-put.json", "minio-multipart-space.json", "minio-delete.json",
            "aws-put-two-records.json", "aws-removed.json", "aws-test-event.json"})
    void documentedFormatsAreValid(String fixture) throws Exception {
        assertEquals(Set.of(), schema().validate(TREES.readTree(Fixtures.read(fixture))));
    }

    @Test
    void writtenEventIsValid() throws Exception {
        String value = MinioEventWriter.put("models", "a b/config.json", 10, "e1", Instant.EPOCH).value();
        assertEquals(Set.of(), schema().validate(TREES.readTree(value)));
    }

    @Test
    void createdEventWithoutSizeOrEtagIsInvalid() throws Exception {
        ObjectNode doc = (ObjectNode) TREES.readTree(Fixtures.read("minio-put.json"));
        ((ObjectNode) doc.at("/Records/0/s3/object")).remove("size");
        assertInvalid(doc, "size");
        doc = (ObjectNode) TREES.readTree(Fixtures.read("aws-put-two-records.json"));
        ((ObjectNode) doc.at("/Records/1/s3/object")).remove("eTag");
        assertInvalid(doc, "eTag");
    }

    @Test
    void missingBucketNameOrBadSizeIsInvalid() throws Exception {
        ObjectNode doc = (ObjectNode) TREES.readTree(Fixtures.read("minio-put.json"));
        ((ObjectNode) doc.at("/Records/0/s3/bucket")).remove("name");
        assertInvalid(doc, "name");
        doc = (ObjectNode) TREES.readTree(Fixtures.read("minio-put.json"));
        ((ObjectNode) doc.at("/Records/0/s3/object")).put("size", -1);
        assertInvalid(doc, "size");
        doc = (ObjectNode) TREES.readTree(Fixtures.read("minio-put.json"));
        doc.remove("Records");
        assertInvalid(doc, "Records");
    }

    private static void assertInvalid(JsonNode doc, String named) throws Exception {
        Set<ValidationMessage> errors = schema().validate(doc);
        assertFalse(errors.isEmpty(), "schema accepted an event with a broken " + named);
        assertTrue(errors.stream().anyMatch(m -> m.getMessage().contains(named)), named + " not named in " + errors);
    }
}
