package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.fleet.CoordinatorClient;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.S3Uri;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code optin upload}: puts a checkpoint into object storage through the coordinator ({@code PUT /uploads/...}),
 * which announces every file as a bucket notification, so a job starts when the checkpoint policy covers the target.
 * The weights go last, so the checkpoint is complete when their event arrives.
 */
@Command(name = "upload", mixinStandardHelpOptions = true,
        description = "Uploads a checkpoint (config.json, tokenizer.json, model.safetensors; or tokenizer.json and"
                + " an .onnx file) to s3://bucket/prefix/ through the coordinator, weights last; a job starts when"
                + " the coordinator's checkpoint policy covers it.",
        footer = {"", "Examples:",
                "  ./optin upload --model bundled:minilm --to s3://models/minilm/1/ --coordinator http://coordinator:8080",
                "  ./optin upload --model ./bert-sst2/ --to s3://models/bert-sst2/3/"})
final class UploadCommand implements java.util.concurrent.Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "checkpoint directory (config.json +"
            + " model.safetensors, or one .onnx file), an .onnx file, or bundled:minilm.")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.json when it is not next to the model.")
    Path tokenizer;

    @Option(names = "--to", required = true, description = "destination folder, s3://bucket/prefix/.")
    String to;

    @Mixin
    CoordinatorOption coordinator;

    @Override
    public Integer call() {
        S3Uri folder = folder(to);
        Map<String, Path> files = files(ModelLocation.resolve(model, tokenizer));
        CoordinatorClient client = coordinator.client();
        PrintWriter out = spec.commandLine().getOut();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            String key = folder.key() + f.getKey();
            JsonNode uploaded = client.upload(folder.bucket(), key, f.getValue());
            out.printf(Locale.ROOT, "%s (%d bytes, ETag %s)%n", uploaded.path("uri").asText(),
                    uploaded.path("size").asLong(), uploaded.path("etag").asText());
        }
        return 0;
    }

    /** The destination as a folder: {@code s3://bucket/} or {@code s3://bucket/prefix/}. */
    static S3Uri folder(String to) {
        S3Uri uri;
        try {
            uri = S3Uri.parse(to);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--to must be s3://bucket/prefix/, was '" + to + "': "
                    + e.getMessage(), e);
        }
        String key = uri.key();
        return key.isEmpty() || key.endsWith("/") ? uri : S3Uri.of(uri.bucket(), key + "/");
    }

    /** Object name -> local file, in upload order: everything else first, the weights last. */
    static Map<String, Path> files(ModelLocation location) {
        Path model = location.model();
        Map<String, Path> files = new LinkedHashMap<>();
        if (Files.isDirectory(model)) {
            Path config = model.resolve(ModelObjects.CONFIG_FILE);
            Path weights = model.resolve(ModelObjects.WEIGHTS_FILE);
            List<Path> onnx = onnxFiles(model);
            if (Files.isRegularFile(config) && Files.isRegularFile(weights)) {
                files.put(ModelObjects.CONFIG_FILE, config);
                files.put(ModelObjects.TOKENIZER_FILE, location.tokenizer());
                files.put(ModelObjects.WEIGHTS_FILE, weights);
                return files;
            }
            if (onnx.size() == 1) {
                files.put(ModelObjects.TOKENIZER_FILE, location.tokenizer());
                files.put(onnx.get(0).getFileName().toString(), onnx.get(0));
                return files;
            }
            throw new IllegalArgumentException("model directory " + model + " holds neither "
                    + ModelObjects.CONFIG_FILE + " and " + ModelObjects.WEIGHTS_FILE + " nor exactly one .onnx file"
                    + (onnx.isEmpty() ? "" : " (it has " + onnx + ")"));
        }
        if (!model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw new IllegalArgumentException("model " + model + " is neither a checkpoint directory nor an .onnx"
                    + " file");
        }
        files.put(ModelObjects.TOKENIZER_FILE, location.tokenizer());
        files.put(model.getFileName().toString(), model);
        return files;
    }

    private static List<Path> onnxFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)
                    .endsWith(".onnx")).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
