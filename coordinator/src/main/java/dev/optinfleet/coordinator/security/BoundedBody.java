package dev.optinfleet.coordinator.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads a request body up to a limit and refuses the rest, so that a hostile client cannot make the coordinator hold
 * (or store) more than the endpoint needs: a declared {@code Content-Length} over the limit is refused before a byte
 * is read, a chunked body as soon as it passes the limit.
 */
public final class BoundedBody {
    private BoundedBody() {
    }

    /** The body as UTF-8 text, at most {@code limit} bytes. */
    public static String text(InputStream body, Long contentLength, long limit, String endpoint, String setting) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        copy(body, out, contentLength, limit, endpoint, setting);
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Copies at most {@code limit} bytes of the body into {@code out}.
     *
     * @return the bytes copied
     * @throws PayloadTooLargeException naming the endpoint, the limit and the setting
     */
    public static long copy(InputStream body, OutputStream out, Long contentLength, long limit, String endpoint,
                            String setting) {
        if (contentLength != null && contentLength > limit) {
            throw tooLarge(endpoint, contentLength + " bytes declared", limit, setting);
        }
        if (body == null) {
            return 0;
        }
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = body.read(buffer)) >= 0) {
                total += n;
                if (total > limit) {
                    throw tooLarge(endpoint, "more than " + limit + " bytes sent", limit, setting);
                }
                out.write(buffer, 0, n);
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the body of " + endpoint, e);
        }
    }

    private static PayloadTooLargeException tooLarge(String endpoint, String what, long limit, String setting) {
        return new PayloadTooLargeException("the body of " + endpoint + " is limited to " + limit + " bytes ("
                + setting + "); " + what);
    }
}
