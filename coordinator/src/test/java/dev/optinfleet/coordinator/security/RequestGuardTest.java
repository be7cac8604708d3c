package dev.optinfleet.coordinator.security;

import dev.optinfleet.storage.S3Uri;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestGuardTest {
    private static final S3Uri ROOT = S3Uri.of("bkt", "pruned");

    @Test
    void underComparesWholeSegmentsAndRefusesDotSegments() {
        assertTrue(RequestGuard.under(S3Uri.of("bkt", "pruned"), ROOT));
        assertTrue(RequestGuard.under(S3Uri.of("bkt", "pruned/team/x"), ROOT));
        assertFalse(RequestGuard.under(S3Uri.of("bkt", "pruned-other"), ROOT));
        assertFalse(RequestGuard.under(S3Uri.of("bkt", "prune"), ROOT));
        assertFalse(RequestGuard.under(S3Uri.of("other", "pruned/x"), ROOT));
        assertFalse(RequestGuard.under(S3Uri.of("bkt", "pruned/../registry"), ROOT));
        assertFalse(RequestGuard.under(S3Uri.of("bkt", "pruned/./x"), ROOT));
        assertTrue(RequestGuard.under(S3Uri.of("models", "minilm/1/model.onnx"), S3Uri.of("models", "")));
        assertFalse(RequestGuard.under(S3Uri.of("models", "minilm/../../x"), S3Uri.of("models", "")));
    }
}
