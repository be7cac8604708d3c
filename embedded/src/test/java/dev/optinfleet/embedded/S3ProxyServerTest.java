package dev.optinfleet.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3ProxyServerTest {

    @TempDir
    static Path data;

    private static S3ProxyServer server;

    @BeforeAll
    static void startServer() {
        server = S3ProxyServer.builder(data).credentials("test-access", "test-secret-key").start();
        System.out.println("S3ProxyServer started in " + server.startupTime().toMillis() + " ms at "
                + server.endpoint());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void answersUnsignedRequestsWithAccessDenied() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(server.endpoint() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, response.statusCode());
        assertTrue(response.body().contains("AccessDenied"), response.body());
        assertEquals("test-access", server.accessKey());
        assertEquals("test-secret-key", server.secretKey());
        assertTrue(server.endpoint().startsWith("http://127.0.0.1:"), server.endpoint());
    }

    @Test
    void closeStopsTheChildJvm() {
        S3ProxyServer second = S3ProxyServer.start(data.resolve("second"));
        ProcessHandle handle = ProcessHandle.of(second.pid()).orElseThrow();
        assertTrue(second.isRunning());
        second.close();
        assertFalse(second.isRunning());
        await().atMost(Duration.ofSeconds(20)).until(() -> !handle.isAlive());
    }

    @Test
    void startAgainBringsTheSameServerBackOnItsPortAfterAnOutage() throws Exception {
        S3ProxyServer first = S3ProxyServer.builder(data.resolve("again")).credentials("again-access",
                "again-secret-key").start();
        S3ProxyServer again = null;
        try {
            assertThrows(IllegalStateException.class, first::startAgain, "a running server cannot start again");
            first.close();
            HttpRequest probe = HttpRequest.newBuilder(URI.create(first.endpoint() + "/"))
                    .timeout(Duration.ofSeconds(5)).build();
            assertThrows(java.io.IOException.class, () -> HttpClient.newHttpClient().send(probe,
                    HttpResponse.BodyHandlers.discarding()), "down: nothing listens on the port");
            again = first.startAgain();
            assertEquals(first.endpoint(), again.endpoint());
            assertEquals(first.dataDirectory(), again.dataDirectory());
            assertEquals("again-access", again.accessKey());
            HttpResponse<String> response = HttpClient.newHttpClient().send(probe,
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, response.statusCode(), "answers like S3 again: " + response.body());
        } finally {
            first.close();
            if (again != null) {
                again.close();
            }
        }
    }
}
