package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.report.ReportWriter;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.optinfleet.cli.OptinCommandTest.assertOneLine;
import static dev.optinfleet.cli.OptinCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `optin report`, and report.html from `optin prune --in-process`: a real MiniLM prune writes its report, `report
 * --scores` regenerates it (with a further budget), and a fleet job's report is fetched from storage. Bad input
 * gives one line and the right exit code.
 */
class ReportCommandTest {
    @TempDir
    Path dir;

    private HttpServer coordinator;

    @AfterEach
    void stopCoordinator() {
        if (coordinator != null) {
            coordinator.stop(0);
        }
    }

    @Test
    void inProcessPruneWritesTheReportAndReportRegeneratesItWithAnotherBudget() throws Exception {
        Path texts = dir.resolve("texts.jsonl");
        try (InputStream in = getClass().getResourceAsStream("/demo/shard-00000.jsonl")) {
            Files.copy(in, texts);
        }
        Path out = dir.resolve("out");
        OptinCommandTest.Run prune = run("prune", "--in-process", "--json", "--model", "bundled:minilm",
                "--calibration", texts.toString(), "--budget", "0.5", "--out", out.toString());
        assertEquals(0, prune.code(), prune.err());
        Path report = out.resolve(ReportWriter.FILE_NAME);
        JsonNode printed = Json.mapper().readTree(prune.out());
        assertEquals(report.toAbsolutePath().toString(), printed.path("report").asText());
        String html = Files.readString(report);
        assertTrue(html.contains("id=\"chart-kept-heads\"") && html.contains("id=\"chart-solution-path\""));
        assertTrue(html.contains("in process (one JVM)"), "in-process timings");
        assertFalse(html.contains("<td class=\"l\">0.4</td>"));

        Path again = dir.resolve("again");
        OptinCommandTest.Run r = run("report", "--scores", out.resolve("scores.json").toString(), "--model",
                "bundled:minilm", "--budget", "0.4", "--out", again.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(again.resolve(ReportWriter.FILE_NAME).toString()), r.out());
        String regenerated = Files.readString(again.resolve(ReportWriter.FILE_NAME));
        assertTrue(regenerated.contains("<td class=\"l\">0.4</td>") && regenerated.contains("<td class=\"l\">0.5</td>"),
                "both the job's budget and the new one");
        assertTrue(regenerated.contains("No timings were recorded"));
        assertFalse(regenerated.contains("id=\"chart-evaluation\""), "no evaluation without --data");

        // With --data: agreement of every budget with the dense model (MiniLM has no classifier), charted.
        Path evaluated = dir.resolve("evaluated");
        OptinCommandTest.Run e = run("report", "--scores", out.resolve("scores.json").toString(), "--model",
                "bundled:minilm", "--data", texts.toString(), "--out", evaluated.toString());
        assertEquals(0, e.code(), e.err());
        String withEvaluation = Files.readString(evaluated.resolve(ReportWriter.FILE_NAME));
        assertTrue(withEvaluation.contains("id=\"chart-evaluation\"") && withEvaluation.contains("agreement"),
                "evaluation chart");
        assertOneLine(run("report", "--scores", out.resolve("scores.json").toString(), "--model", "bundled:minilm",
                "--data", dir.resolve("missing.jsonl").toString(), "--out", evaluated.toString()),
                OptinCommand.BAD_INPUT, "missing.jsonl");

        // scores.json of other weights than the model's: named, bad input
        JsonNode scores = Json.mapper().readTree(out.resolve("scores.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) scores).put("weights_sha256", "f".repeat(64));
        Path other = Files.createDirectories(dir.resolve("other")).resolve("scores.json");
        Files.writeString(other, Json.write(scores));
        assertOneLine(run("report", "--scores", other.toString(), "--model", "bundled:minilm", "--out",
                dir.resolve("x").toString()), OptinCommand.BAD_INPUT, "f".repeat(64));
    }

    @Test
    void fleetJobReportIsDownloadedFromItsReportUri() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3"));
             ObjectStore store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(),
                     s3.secretKey()))) {
            store.ensureBucket("pruned");
            S3Uri uri = S3Uri.parse("s3://pruned/jobs/job-7/report.html");
            store.putBytes(uri, "<!DOCTYPE html><p>job 7</p>".getBytes(StandardCharsets.UTF_8));
            String url = fakeCoordinator("{\"job_id\": \"job-7\", \"state\": \"done\", \"report_uri\": \"" + uri
                    + "\"}");
            JsonNode status = new dev.optinfleet.cli.fleet.CoordinatorClient(url).status("job-7");
            Path file = ReportCommand.download(store, ReportCommand.reportUri(status, "job-7"), dir.resolve("r"));
            assertEquals("<!DOCTYPE html><p>job 7</p>", Files.readString(file));
            assertEquals(dir.resolve("r").resolve(ReportWriter.FILE_NAME), file);
        }
    }

    @Test
    void unfinishedJobHasNoReportYet() throws IOException {
        String url = fakeCoordinator("{\"job_id\": \"job-8\", \"state\": \"scoring\"}");
        assertOneLine(run("report", "job-8", "--coordinator", url, "--out", dir.toString()), OptinCommand.FAILURE,
                "job-8", "no report yet", "scoring");
    }

    @Test
    void unknownJobIsBadInput() throws IOException {
        String url = fakeCoordinator(null);
        assertOneLine(run("report", "nope", "--coordinator", url, "--out", dir.toString()), OptinCommand.BAD_INPUT,
                "nope", "not found");
    }

    @Test
    void unreachableCoordinatorExitsWithItsOwnCode() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertOneLine(run("report", "job-1", "--coordinator", "http://localhost:" + port, "--out", dir.toString()),
                OptinCommand.UNREACHABLE, "localhost:" + port);
    }

    @Test
    void missingScoresFileIsNamed() {
        assertOneLine(run("report", "--scores", dir.resolve("scores.json").toString(), "--model", "bundled:minilm",
                "--out", dir.toString()), OptinCommand.BAD_INPUT, "scores.json", "does not exist");
    }

    @Test
    void scoresNeedTheModel() throws IOException {
        Path scores = Files.writeString(dir.resolve("scores.json"), "{}");
        assertOneLine(run("report", "--scores", scores.toString(), "--out", dir.toString()), OptinCommand.BAD_INPUT,
                "--model");
    }

    @Test
    void scoresThatAreNotScoresAreBadInput() throws IOException {
        Path scores = Files.writeString(dir.resolve("scores.json"), "{\"schema_version\": 1}");
        assertOneLine(run("report", "--scores", scores.toString(), "--model", "bundled:minilm", "--out",
                dir.toString()), OptinCommand.BAD_INPUT, "scores.json");
    }

    @Test
    void jobOrScoresButNotBothNorNeither() throws IOException {
        Path scores = Files.writeString(dir.resolve("scores.json"), "{}");
        assertOneLine(run("report", "job-1", "--scores", scores.toString(), "--out", dir.toString()),
                OptinCommand.BAD_INPUT, "JOB", "--scores");
        assertOneLine(run("report", "--out", dir.toString()), OptinCommand.BAD_INPUT, "JOB", "--scores");
    }

    @Test
    void helpShowsAnExample() {
        OptinCommandTest.Run r = run("report", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("./optin report --scores out/scores.json --model bundled:minilm --out out/"),
                r.out());
        assertTrue(r.out().contains("--coordinator"), r.out());
    }

    /** A coordinator that answers GET /jobs/{id} with {@code status}, or 404 when it is null. */
    private String fakeCoordinator(String status) throws IOException {
        coordinator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        coordinator.createContext("/jobs/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/jobs/".length());
            byte[] body = (status != null ? status : "{\"error\": \"unknown job " + id + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status != null ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        coordinator.start();
        return "http://127.0.0.1:" + coordinator.getAddress().getPort();
    }
}
