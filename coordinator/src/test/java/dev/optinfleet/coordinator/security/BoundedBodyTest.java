package dev.optinfleet.coordinator.security;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedBodyTest {
    @Test
    void aBodyOfExactlyTheLimitIsReadWhole() {
        assertEquals("abcd", BoundedBody.text(new ByteArrayInputStream("abcd".getBytes()), 4L, 4, "POST /x", "s"));
        assertEquals("abcd", BoundedBody.text(new ByteArrayInputStream("abcd".getBytes()), null, 4, "POST /x", "s"));
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeAByteIsRead() {
        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("read although Content-Length was over the limit");
            }
        };
        PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class,
                () -> BoundedBody.text(untouchable, 5L, 4, "POST /jobs", "optin.security.max-job-body"));
        assertTrue(e.getMessage().contains("POST /jobs") && e.getMessage().contains("4 bytes")
                && e.getMessage().contains("optin.security.max-job-body"), e.getMessage());
    }

    @Test
    void anUndeclaredBodyIsCutAtTheLimitAndNothingPastItIsWritten() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] body = new byte[200_000];
        PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class, () -> BoundedBody.copy(
                new ByteArrayInputStream(body), out, null, 100_000, "PUT /uploads", "optin.security.max-upload-size"));
        assertTrue(e.getMessage().contains("100000"), e.getMessage());
        assertTrue(out.size() <= 100_000, "wrote " + out.size() + " bytes");
    }
}
