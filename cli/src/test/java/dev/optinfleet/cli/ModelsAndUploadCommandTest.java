package dev.optinfleet.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.optinfleet.cli.OptinCommandTest.assertOneLine;
import static dev.optinfleet.cli.OptinCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code optin models} and {@code optin upload} against a fake coordinator: a JDK HTTP server that answers the two
 * REST calls as the coordinator does (its contract: {@code GET /models[/{name}]}, {@code PUT /uploads/{bucket}/{key}}
 * with 201 {@code {"uri","etag","size"}}, errors {@code {"error"}}) and records the uploads. The real coordinator's
 * side of both calls is tested in the coordinator module against a real broker and S3 server.
 */
class ModelsAndUploadCommandTest {
    private static final String VERSION = "{\"schema_version\":1,\"name\":\"minilm-1\",\"version\":1,"
            + "\"parent\":{\"uri\":\"s3://models/minilm/1/model.onnx\",\"name\":null,\"version\":null,"
            + "\"etag\":\"abc123\"},\"job_id\":\"ckpt-0123456789abcdef\",\"budget\":0.5,\"flops\":{"
            + "\"prunable_before\":2.0E9,\"prunable_after\":1.0E9,\"total_before\":2.5E9,\"total_after\":1.5E9},"
            + "\"kept_fraction\":0.49,\"scoring\":{\"scorer\":\"fisher\"},\"accuracy\":null,"
            + "\"checkpoint_uri\":\"s3://optin/pruned/minilm-1/ckpt-0123456789abcdef/budget-0.5/config.json\","
            + "\"mask_uri\":\"s3://optin/pruned/minilm-1/ckpt-0123456789abcdef/budget-0.5/mask.json\","
            + "\"created_at\":1}";

    /** One PUT the fake coordinator received. */
    record Put(String path, byte[] body) {
    }

    @TempDir
    Path dir;

    private HttpServer server;
    private String url;
    private final List<Put> puts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startFakeCoordinator() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/models", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/models")) {
                answer(exchange, 200, "[" + VERSION + "]");
            } else if (path.equals("/models/minilm-1")) {
                answer(exchange, 200, "[" + VERSION + "]");
            } else {
                answer(exchange, 404, "{\"error\":\"no registered model named '" + path.substring(8)
                        + "'; registered: minilm-1\"}");
            }
        });
        server.createContext("/uploads/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            puts.add(new Put(path, body));
            String etag = md5(body);
            answer(exchange, 201, "{\"uri\":\"s3://" + path.substring("/uploads/".length()) + "\",\"etag\":\""
                    + etag + "\",\"size\":" + body.length + "}");
        });
        server.start();
        url = "http://localhost:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void modelsListsEveryVersionWithItsLineage() {
        OptinCommandTest.Run r = run("models", "--coordinator", url);
        assertEquals(0, r.code(), r.err());
        String line = r.out().strip();
        assertTrue(line.startsWith("minilm-1 v1: budget 0.5, kept 0.490"), line);
        assertTrue(line.contains("job ckpt-0123456789abcdef") && line.contains("s3://models/minilm/1/model.onnx")
                && line.contains("ETag abc123") && line.contains("budget-0.5/config.json"), line);
    }

    @Test
    void modelsOfOneNameAsJson() {
        OptinCommandTest.Run r = run("models", "minilm-1", "--json", "--coordinator", url);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"job_id\" : \"ckpt-0123456789abcdef\""), r.out());
    }

    @Test
    void modelsOfAnUnknownNameIsBadInputNamingIt() {
        assertOneLine(run("models", "no-such-model", "--coordinator", url), OptinCommand.BAD_INPUT, "no-such-model");
    }

    @Test
    void modelsOfAnUnreachableCoordinatorExitsWithItsOwnCode() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertOneLine(run("models", "--coordinator", "http://localhost:" + port), OptinCommand.UNREACHABLE,
                "localhost:" + port);
    }

    @Test
    void uploadSendsConfigAndTokenizerFirstAndTheWeightsLast() throws IOException {
        Path model = Files.createDirectories(dir.resolve("bert"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"bert\"}");
        Files.writeString(model.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
        byte[] weights = {1, 2, 3, 4, 5};
        Files.write(model.resolve("model.safetensors"), weights);

        OptinCommandTest.Run r = run("upload", "--model", model.toString(), "--to", "s3://models/bert sst2/3",
                "--coordinator", url);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("/uploads/models/bert sst2/3/config.json", "/uploads/models/bert sst2/3/tokenizer.json",
                "/uploads/models/bert sst2/3/model.safetensors"), puts.stream().map(Put::path).toList());
        assertArrayEquals(weights, puts.get(2).body());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertEquals("s3://models/bert sst2/3/model.safetensors (5 bytes, ETag " + md5(weights) + ")", lines.get(2));
    }

    @Test
    void uploadOfAnOnnxFileSendsItsTokenizerFirst() throws IOException {
        Path model = Files.write(dir.resolve("model.onnx"), new byte[] {9, 9});
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        OptinCommandTest.Run r = run("upload", "--model", model.toString(), "--to", "s3://models/minilm/7/",
                "--coordinator", url);
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("/uploads/models/minilm/7/tokenizer.json", "/uploads/models/minilm/7/model.onnx"),
                puts.stream().map(Put::path).toList());
    }

    @Test
    void uploadOfAnIncompleteDirectoryIsBadInputNamingWhatIsMissing() throws IOException {
        Path model = Files.createDirectories(dir.resolve("half"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        assertOneLine(run("upload", "--model", model.toString(), "--to", "s3://models/half/", "--coordinator", url),
                OptinCommand.BAD_INPUT, "half", "model.safetensors");
        assertTrue(puts.isEmpty(), "nothing uploaded");
    }

    @Test
    void uploadRejectsADestinationThatIsNotAnS3Uri() throws IOException {
        Path model = Files.write(dir.resolve("model.onnx"), new byte[] {9});
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        assertOneLine(run("upload", "--model", model.toString(), "--to", "/tmp/models", "--coordinator", url),
                OptinCommand.BAD_INPUT, "--to", "/tmp/models");
    }

    @Test
    void uploadOfAMissingModelIsBadInput() {
        assertOneLine(run("upload", "--model", dir.resolve("absent").toString(), "--to", "s3://models/x/",
                "--coordinator", url), OptinCommand.BAD_INPUT, "absent");
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
