package dev.optinfleet.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class S3UriTest {

    @Test
    void parsesBucketAndKey() {
        S3Uri uri = S3Uri.parse("s3://models/minilm/1/model.safetensors");
        assertEquals("models", uri.bucket());
        assertEquals("minilm/1/model.safetensors", uri.key());
        assertEquals("model.safetensors", uri.fileName());
        assertEquals("s3://models/minilm/1/model.safetensors", uri.toString());
        assertTrue(uri.isObject());
    }

    @Test
    void bucketAloneIsTheRootPrefix() {
        assertEquals(S3Uri.of("models", ""), S3Uri.parse("s3://models"));
        assertEquals(S3Uri.of("models", ""), S3Uri.parse("s3://models/"));
        assertFalse(S3Uri.parse("s3://models").isObject());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> S3Uri.parse("s3://models/").requireObject());
        assertTrue(e.getMessage().contains("s3://models/"), e.getMessage());
    }

    @Test
    void rejectsOtherSchemesNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> S3Uri.parse("http://models/a"));
        assertTrue(e.getMessage().contains("'http://models/a'"), e.getMessage());
    }

    @Test
    void rejectsInvalidBucketNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> S3Uri.parse("s3://Models_X/a"));
        assertTrue(e.getMessage().contains("Models_X"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> S3Uri.parse("s3:///key"));
        assertThrows(IllegalArgumentException.class, () -> S3Uri.parse("s3://ab/key"));
    }

    @Test
    void resolveJoinsWithOneSlash() {
        assertEquals("s3://b1b/pruned/job/mask.json", S3Uri.parse("s3://b1b/pruned/job").resolve("mask.json")
                .toString());
        assertEquals("s3://b1b/pruned/job/mask.json", S3Uri.parse("s3://b1b/pruned/job/").resolve("/mask.json")
                .toString());
        assertEquals("s3://b1b/mask.json", S3Uri.parse("s3://b1b").resolve("mask.json").toString());
    }
}
