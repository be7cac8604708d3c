package dev.optinfleet.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.storage.ModelObjects;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A job on a fleet as the CLI runs it: upload the local model and calibration files, submit, follow progress,
 * download the outputs.
 */
public final class FleetJob {
    /** How often the CLI refreshes its progress display. */
    private static final Duration REFRESH = Duration.ofMillis(500);

    private FleetJob() {
    }

    /** Where the job's inputs are in storage. */
    public record Inputs(String modelUri, String tokenizerUri, List<String> calibrationUris) {
    }

    /**
     * Uploads a model (an .onnx file, or a directory with config.json, model.safetensors) with its tokenizer, and
     * the calibration files, under {@code s3://models/<name>/} and {@code s3://calibration/<name>/}.
     */
    public static Inputs upload(ObjectStore store, String name, Path model, Path tokenizer, List<Path> calibration) {
        S3Uri base = S3Uri.parse("s3://models/" + name + "/");
        String modelUri;
        if (Files.isDirectory(model)) {
            for (String file : List.of(ModelObjects.CONFIG_FILE, ModelObjects.WEIGHTS_FILE)) {
                Path p = model.resolve(file);
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("model directory " + model + " has no " + file);
                }
                store.putFile(base.resolve(file), p);
            }
            modelUri = base.resolve(ModelObjects.CONFIG_FILE).toString();
        } else {
            store.putFile(base.resolve(ModelObjects.ONNX_FILE), model);
            modelUri = base.resolve(ModelObjects.ONNX_FILE).toString();
        }
        S3Uri tokenizerUri = base.resolve(ModelObjects.TOKENIZER_FILE);
        store.putFile(tokenizerUri, tokenizer);
        List<String> shards = new ArrayList<>();
        for (int i = 0; i < calibration.size(); i++) {
            S3Uri uri = S3Uri.parse(String.format(Locale.ROOT, "s3://calibration/%s/shard-%05d.jsonl", name, i));
            store.putFile(uri, calibration.get(i));
            shards.add(uri.toString());
        }
        return new Inputs(modelUri, tokenizerUri.toString(), shards);
    }

    /**
     * The job request for uploaded inputs.
     *
     * @param neuronsPerTask neurons per exact task, or null for the coordinator's default
     * @param samplesPerTask samples per gradient task, or null for the coordinator's default
     */
    public static JobRequest request(String name, Inputs inputs, List<Double> budgets, ScoringSpec scoring,
                                     Integer neuronsPerTask, Integer samplesPerTask, String source) {
        return new JobRequest(JobRequest.SCHEMA_VERSION, name, inputs.modelUri(), inputs.tokenizerUri(),
                inputs.calibrationUris(), budgets, scoring, neuronsPerTask, samplesPerTask, null, null, source);
    }

    /**
     * Polls the job until it is done or failed, reporting (tasks done, tasks total) to {@code progress}.
     *
     * @return the final status
     * @throws IllegalStateException when the job failed, with its error
     */
    public static JsonNode await(CoordinatorClient client, String jobId, Duration timeout,
                                 Consumer<JsonNode> progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode status = client.status(jobId);
            progress.accept(status);
            String state = status.path("state").asText();
            if (state.equals("done")) {
                return status;
            }
            if (state.equals("failed")) {
                throw new IllegalStateException("job " + jobId + " failed: " + status.path("error").asText());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("job " + jobId + " did not finish within " + timeout
                        + " (state " + state + ")");
            }
            Thread.sleep(REFRESH.toMillis());
        }
    }

    /**
     * Downloads everything under the job's output prefix (the folder of its scores.json) into {@code out}.
     *
     * @throws IllegalArgumentException naming the key when one would land outside {@code out} ({@link OutDir})
     */
    public static List<Path> download(ObjectStore store, JsonNode status, Path out) {
        String scores = status.path("scores_uri").asText();
        if (scores.isEmpty()) {
            throw new IllegalStateException("job status has no scores_uri: " + status);
        }
        String prefix = scores.substring(0, scores.lastIndexOf('/') + 1);
        S3Uri root = S3Uri.parse(prefix);
        // Every key is checked before the first byte is written, so a hostile key leaves --out as it was.
        List<ObjectInfo> objects = store.list(root);
        List<Path> targets = new ArrayList<>();
        for (ObjectInfo info : objects) {
            String relative = info.uri().key().substring(root.key().length());
            targets.add(OutDir.resolve(out, relative, info.uri().key()));
        }
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            store.getToFile(objects.get(i).uri(), targets.get(i));
            files.add(targets.get(i));
        }
        return files;
    }
}
