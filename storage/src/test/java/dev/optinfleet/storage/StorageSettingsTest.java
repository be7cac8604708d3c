package dev.optinfleet.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageSettingsTest {

    @Test
    void readsEnvironmentWithDefaultRegion() {
        StorageSettings settings = StorageSettings.fromEnvironment(Map.of(
                "S3_ENDPOINT", "http://minio:9000", "S3_ACCESS_KEY", "ak", "S3_SECRET_KEY", "sk-secret"));
        assertEquals(new StorageSettings("http://minio:9000", "ak", "sk-secret", "us-east-1"), settings);
    }

    @Test
    void missingVariableIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StorageSettings.fromEnvironment(
                Map.of("S3_ENDPOINT", "http://minio:9000", "S3_ACCESS_KEY", "ak")));
        assertTrue(e.getMessage().contains("S3_SECRET_KEY"), e.getMessage());
    }

    @Test
    void rejectsEndpointWithoutSchemeNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StorageSettings.of("minio:9000", "ak", "sk"));
        assertTrue(e.getMessage().contains("minio:9000"), e.getMessage());
    }

    @Test
    void toStringHidesTheSecret() {
        String text = StorageSettings.of("http://minio:9000", "ak", "very-secret").toString();
        assertFalse(text.contains("very-secret"), text);
    }
}
