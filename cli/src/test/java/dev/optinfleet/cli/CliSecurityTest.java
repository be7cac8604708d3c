package dev.optinfleet.cli;

import com.sun.net.httpserver.HttpServer;
import dev.optinfleet.cli.fleet.OutDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static dev.optinfleet.cli.OptinCommandTest.assertOneLine;
import static dev.optinfleet.cli.OptinCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI's side of the security contract: it sends the bearer token from --token-file, explains a 401, and never
 * writes a downloaded object outside --out.
 */
class CliSecurityTest {
    private static final String TOKEN = "eyJ.test-token.sig";

    @TempDir
    Path dir;

    private HttpServer coordinator;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (coordinator != null) {
            coordinator.stop(0);
        }
    }

    @Test
    void theTokenFromTokenFileIsSentAsABearerHeader() throws IOException {
        Path file = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        OptinCommandTest.Run r = run("status", "job-1", "--json", "--coordinator", coordinator(), "--token-file",
                file.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("Bearer " + TOKEN), authorizations);
    }

    @Test
    void withoutATokenThe401SaysWhereOneGoes() throws IOException {
        assertOneLine(run("status", "job-1", "--coordinator", coordinator()), OptinCommand.BAD_INPUT,
                "refused", "OPTIN_TOKEN", "--token-file");
    }

    @Test
    void anEmptyTokenFileIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("empty"), "  \n");
        assertOneLine(run("status", "job-1", "--coordinator", coordinator(), "--token-file", file.toString()),
                OptinCommand.BAD_INPUT, file.toString(), "empty");
    }

    @Test
    void keysThatWouldLandOutsideOutAreRefusedNamingTheKey() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        for (String relative : List.of("../evil.txt", "budget-0.5/../../evil.txt", "/etc/evil", "a/./b", "",
                "C:/evil", "a\\..\\..\\evil")) {
            String key = "pruned/m/job/" + relative;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OutDir.resolve(out, relative, key), relative);
            assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        }
        assertEquals(out.toAbsolutePath().resolve("budget-0.5/mask.json"),
                OutDir.resolve(out, "budget-0.5/mask.json", "pruned/m/job/budget-0.5/mask.json"));
        try (Stream<Path> written = Files.list(dir)) {
            assertEquals(List.of(out), written.toList(), "nothing was written next to --out");
        }
    }

    /** Answers 401 unless the bearer token is {@link #TOKEN}, as the coordinator does. */
    private String coordinator() throws IOException {
        coordinator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        coordinator.createContext("/jobs/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                authorizations.add(auth);
            }
            boolean ok = ("Bearer " + TOKEN).equals(auth);
            byte[] body = (ok ? "{\"job_id\": \"job-1\", \"state\": \"scoring\", \"tasks_done\": 1,"
                    + " \"tasks_total\": 2}" : "").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(ok ? 200 : 401, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        coordinator.start();
        return "http://127.0.0.1:" + coordinator.getAddress().getPort();
    }
}
