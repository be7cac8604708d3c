package dev.optinfleet.worker;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Kafka broker (in this JVM) and a real S3 server (s3proxy, a child JVM) for the worker's integration
 * tests, with the topics created and the real MiniLM (ONNX + tokenizer.json) and an 8-sentence calibration shard
 * uploaded. Passes their addresses to Quarkus.
 */
public class FleetResources implements QuarkusTestResourceLifecycleManager {
    public static final String BUCKET = "optin-test";
    public static final S3Uri MODEL = S3Uri.of(BUCKET, "models/minilm/1/model.onnx");
    public static final S3Uri TOKENIZER = S3Uri.of(BUCKET, "models/minilm/1/tokenizer.json");
    /** An "ONNX file" that is not one: a corrupt checkpoint. */
    public static final S3Uri CORRUPT_MODEL = S3Uri.of(BUCKET, "models/corrupt/1/model.onnx");
    public static final S3Uri SHARD = S3Uri.of(BUCKET, "calibration/test/shard-00000.jsonl");
    /** Where the test itself finds the same files, to compute the expected scores. */
    public static final Path LOCAL_MODELS = Path.of("target", "models");
    public static final String SHARD_RESOURCE = "/calibration/shard-00000.jsonl";
    static final int TASK_PARTITIONS = 2;

    private Path work;
    private EmbeddedKafka kafka;
    private S3ProxyServer s3;

    @Override
    public Map<String, String> start() {
        try {
            work = Files.createTempDirectory("optin-worker-test");
            kafka = EmbeddedKafka.start();
            kafka.createTopic(Topics.SCORING_TASKS, TASK_PARTITIONS, false);
            kafka.createTopic(Topics.TASK_SCORES, 1, true);
            kafka.createTopic(Topics.DEAD_LETTERS, 1, false);
            s3 = S3ProxyServer.start(work.resolve("s3"));
            try (ObjectStore store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(),
                    s3.secretKey()))) {
                store.ensureBucket(BUCKET);
                store.putFile(MODEL, BundledModels.MINILM_L6.onnx(LOCAL_MODELS));
                store.putFile(TOKENIZER, BundledModels.MINILM_L6.tokenizer(LOCAL_MODELS));
                store.putFile(SHARD, localShard());
                store.putBytes(CORRUPT_MODEL, "this is not a protobuf".getBytes(StandardCharsets.UTF_8));
            }
            return Map.of(
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "optin.s3.endpoint", s3.endpoint(),
                    "optin.s3.access-key", s3.accessKey(),
                    "optin.s3.secret-key", s3.secretKey(),
                    "optin.worker.id", "test-worker",
                    "optin.worker.cache-dir", work.resolve("cache").toString(),
                    "optin.s3.retry.initial-backoff", "20ms");
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** The calibration shard as a local file (copied out of the test class path once). */
    public static Path localShard() {
        Path target = LOCAL_MODELS.resolve("shard-00000.jsonl");
        try (InputStream in = FleetResources.class.getResourceAsStream(SHARD_RESOURCE)) {
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (work != null) {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
            work = null;
        }
    }
}
