package dev.optinfleet.schemas.events;

import dev.optinfleet.schemas.MalformedMessageException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class S3EventParserTest {

    @Test
    void minioPutYieldsTheDecodedObject() {
        List<ObjectCreated> created = S3EventParser.parse(Fixtures.read("minio-put.json"));
        assertEquals(List.of(new ObjectCreated("models", "minilm/3/model.safetensors", 90_868_376,
                "5f2b9c4e1a7d3e8f0b6c2a9d4e1f7a3b", "s3:ObjectCreated:Put")), created);
        assertEquals("s3://models/minilm/3/model.safetensors", created.get(0).uri());
        assertEquals("minilm/3/", created.get(0).folder());
        assertEquals("model.safetensors", created.get(0).fileName());
    }

    @Test
    void minioKeyDecodesPlusAsSpaceAndEtagLosesItsQuotes() {
        ObjectCreated created = S3EventParser.parse(Fixtures.read("minio-multipart-space.json")).get(0);
        assertEquals("team a/bert base/config.json", created.key());
        assertEquals("9e107d9d372bb6826bd81d3542a419d6-2", created.eTag());
        assertEquals("s3:ObjectCreated:CompleteMultipartUpload", created.eventName());
        assertEquals(612, created.size());
    }

    @Test
    void awsRecordsAreReadInOrderWithEventNamesInTheS3Form() {
        List<ObjectCreated> created = S3EventParser.parse(Fixtures.read("aws-put-two-records.json"));
        assertEquals(List.of(
                new ObjectCreated("fleet-models", "bert/mini lm/config.json", 655,
                        "0cc175b9c0f1b6a831c399e269772661", "s3:ObjectCreated:Put"),
                new ObjectCreated("fleet-models", "bert/r&d+1/model.safetensors", 133_466_304,
                        "b026324c6904b2a9cb4b88d6d61c81d1-16", "s3:ObjectCreated:CompleteMultipartUpload")),
                created);
    }

    @Test
    void removalsTestEventsAndOtherSourcesAreIgnored() {
        assertEquals(List.of(), S3EventParser.parse(Fixtures.read("minio-delete.json")));
        assertEquals(List.of(), S3EventParser.parse(Fixtures.read("aws-removed.json")));
        assertEquals(List.of(), S3EventParser.parse(Fixtures.read("aws-test-event.json")));
        assertEquals(List.of(), S3EventParser.parse(Fixtures.read("non-s3-record.json")));
        assertEquals(List.of(), S3EventParser.parse("{\"Records\":[]}"));
        assertEquals(List.of(), S3EventParser.parse(record("s3:ObjectAccessed:Get", "{\"key\":\"a\"}")));
    }

    @Test
    void recordWithoutEventSourceIsReadAsS3() {
        String json = "{\"Records\":[{\"eventName\":\"ObjectCreated:Copy\",\"s3\":{\"bucket\":{\"name\":\"bkt\"},"
                + "\"object\":{\"key\":\"a%2Fb.json\",\"size\":\"12\",\"eTag\":\"e1\"}}}]}";
        assertEquals(List.of(new ObjectCreated("bkt", "a/b.json", 12, "e1", "s3:ObjectCreated:Copy")),
                S3EventParser.parse(json));
    }

    @Test
    void missingFieldsAreNamed() {
        assertMalformed(record("s3:ObjectCreated:Put", "{\"key\":\"a\",\"eTag\":\"e\"}"), "Records[0].s3.object.size");
        assertMalformed(record("s3:ObjectCreated:Put", "{\"key\":\"a\",\"size\":1}"), "Records[0].s3.object.eTag");
        assertMalformed(record("s3:ObjectCreated:Put", "{\"size\":1,\"eTag\":\"e\"}"), "Records[0].s3.object.key");
        assertMalformed("{\"Records\":[{\"eventName\":\"s3:ObjectCreated:Put\",\"s3\":{\"object\":{\"key\":\"a\"}}}]}",
                "Records[0].s3.bucket");
        assertMalformed("{\"Records\":[{\"eventName\":\"s3:ObjectCreated:Put\",\"s3\":{\"bucket\":{},"
                + "\"object\":{\"key\":\"a\",\"size\":1,\"eTag\":\"e\"}}}]}", "Records[0].s3.bucket.name");
        assertMalformed("{\"Records\":[{\"eventName\":\"s3:ObjectCreated:Put\"}]}", "Records[0].s3");
        assertMalformed("{\"Records\":[{\"s3\":{}}]}", "Records[0].eventName");
        assertMalformed("{\"EventName\":\"s3:ObjectCreated:Put\",\"Key\":\"b/k\"}", "Records");
    }

    @Test
    void secondRecordIsNamedByIndex() {
        String good = "{\"eventName\":\"s3:ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"bkt\"},"
                + "\"object\":{\"key\":\"a\",\"size\":1,\"eTag\":\"e\"}}}";
        String bad = "{\"eventName\":\"s3:ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"bkt\"},"
                + "\"object\":{\"key\":\"a\",\"size\":-4,\"eTag\":\"e\"}}}";
        assertMalformed("{\"Records\":[" + good + "," + bad + "]}", "Records[1].s3.object.size");
    }

    @Test
    void wrongTypesAndBrokenEncodingAreMalformed() {
        assertMalformed(record("s3:ObjectCreated:Put", "{\"key\":\"a\",\"size\":1.5,\"eTag\":\"e\"}"),
                "Records[0].s3.object.size");
        assertMalformed(record("s3:ObjectCreated:Put", "{\"key\":\"a%2\",\"size\":1,\"eTag\":\"e\"}"),
                "Records[0].s3.object.key");
        assertMalformed(record("s3:ObjectCreated:Put", "{\"key\":7,\"size\":1,\"eTag\":\"e\"}"),
                "Records[0].s3.object.key");
        assertMalformed("{\"Records\":{}}", "Records");
        assertMalformed("{\"Records\":[3]}", "Records[0]");
        assertMalformed("[1,2]", "JSON object");
        assertMalformed("{\"Records\":[", "not valid JSON");
        assertMalformed("", "empty");
    }

    private static String record(String eventName, String object) {
        return "{\"Records\":[{\"eventSource\":\"minio:s3\",\"eventName\":\"" + eventName + "\",\"s3\":{\"bucket\":"
                + "{\"name\":\"models\"},\"object\":" + object + "}}]}";
    }

    private static void assertMalformed(String json, String named) {
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> S3EventParser.parse(json),
                json);
        assertTrue(e.getMessage().contains(named), "'" + named + "' not in: " + e.getMessage());
    }
}
