package dev.optinfleet.coordinator;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.FleetTokens;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A real Kafka broker (in this JVM, every topic created as the deployment creates them) and a real S3 server
 * (s3proxy, a child JVM) with the real MiniLM (ONNX + tokenizer.json) and an 8-sentence calibration shard uploaded,
 * for the coordinator's integration tests. Every coordinator test class uses this one resource, so Quarkus starts
 * the application (and these servers) once for all of them.
 */
public class CoordFleetResources implements QuarkusTestResourceLifecycleManager {
    public static final String BUCKET = "optin-test";
    public static final S3Uri MODEL = S3Uri.of(BUCKET, "models/minilm/1/model.onnx");
    public static final S3Uri TOKENIZER = S3Uri.of(BUCKET, "models/minilm/1/tokenizer.json");
    public static final S3Uri SHARD = S3Uri.of(BUCKET, "calibration/test/shard-00000.jsonl");
    public static final String OUTPUT_PREFIX = "s3://" + BUCKET + "/pruned";
    /** The bucket the checkpoint policy watches, and where the event tests upload MiniLM. */
    public static final String MODELS_BUCKET = "models";
    public static final S3Uri EVENT_MODEL = S3Uri.of(MODELS_BUCKET, "minilm/1/model.onnx");
    public static final S3Uri EVENT_TOKENIZER = S3Uri.of(MODELS_BUCKET, "minilm/1/tokenizer.json");
    /** Budgets of the jobs the policy starts. */
    public static final double EVENT_BUDGET = 0.5;
    /** Uploads under models/minilm/ start a fisher job (tasks of 4 samples) on the test shard. */
    static final String POLICY = "{\"rules\": [{\"name\": \"minilm\", \"bucket\": \"" + MODELS_BUCKET + "\","
            + " \"keys\": \"minilm/**\", \"budgets\": [" + EVENT_BUDGET + "], \"calibration_uris\": [\"" + SHARD
            + "\"], \"samples_per_task\": 4}]}";
    /** Where the tests find the same files, to compute the expected outputs in this JVM. */
    public static final Path LOCAL_MODELS = Path.of("target", "models");
    static final int TASK_PARTITIONS = 2;
    /** The model name that only {@link #OWNER} (and admin) may submit jobs for. */
    public static final String OWNED_MODEL = "team-a-minilm";
    public static final String OWNER = "alice";
    /** Config key of the bearer token a test uses, by who holds it (see {@link #start}). */
    public static String tokenKey(String holder) {
        return "optin.test.token." + holder;
    }

    private Path work;
    private EmbeddedKafka kafka;
    private S3ProxyServer s3;

    @Override
    public Map<String, String> start() {
        try {
            work = Files.createTempDirectory("optin-coordinator-test");
            kafka = startKafka();
            kafka.createTopic(Topics.JOB_REQUESTS, 1, false);
            kafka.createTopic(Topics.SCORING_TASKS, TASK_PARTITIONS, false);
            kafka.createTopic(Topics.TASK_SCORES, 2, true);
            kafka.createTopic(Topics.JOB_STATUS, 1, true);
            kafka.createTopic(Topics.DEAD_LETTERS, 1, false);
            kafka.createTopic(Topics.CHECKPOINT_EVENTS, 1, false);
            kafka.createTopic(Topics.MODEL_REGISTRY, 1, true);
            kafka.createTopic(Topics.PROCESSED_CHECKPOINTS, 1, true);
            s3 = S3ProxyServer.start(work.resolve("s3"));
            try (ObjectStore store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(),
                    s3.secretKey()))) {
                store.ensureBucket(BUCKET);
                store.putFile(MODEL, localModel());
                store.putFile(TOKENIZER, localTokenizer());
                store.putFile(SHARD, localShard());
            }
            // The coordinator trusts this key alone; the tests read their tokens back from the configuration.
            FleetTokens tokens = FleetTokens.generate();
            Map<String, String> props = new HashMap<>(tokens.verifierProperties());
            props.put(tokenKey("admin"), tokens.issue("test-admin", FleetTokens.ALL_ROLES));
            props.put(tokenKey("jobs"), tokens.issue(OWNER, Set.of("jobs")));
            props.put(tokenKey("other-jobs"), tokens.issue("bob", Set.of("jobs")));
            props.put(tokenKey("uploads"), tokens.issue("uploader", Set.of("uploads")));
            props.put(tokenKey("none"), tokens.issue("nobody", Set.of("reader")));
            props.put(tokenKey("foreign"), FleetTokens.generate().issue("mallory", FleetTokens.ALL_ROLES));
            props.put("optin.security.model-owners.\"" + OWNED_MODEL + "\"", OWNER);
            // Every client of the app (channels and plain clients) connects with these, as "kafka.*" settings.
            kafka.clientProperties().forEach((k, v) -> props.put("kafka." + k, v.toString()));
            props.putAll(Map.ofEntries(
                    Map.entry("optin.s3.endpoint", s3.endpoint()),
                    Map.entry("optin.s3.access-key", s3.accessKey()),
                    Map.entry("optin.s3.secret-key", s3.secretKey()),
                    Map.entry("optin.coordinator.id", "test-coordinator"),
                    Map.entry("optin.coordinator.work-dir", work.resolve("coordinator").toString()),
                    Map.entry("optin.coordinator.output-prefix", OUTPUT_PREFIX),
                    Map.entry("optin.coordinator.progress-interval", "100ms"),
                    Map.entry("optin.events.policy", POLICY),
                    Map.entry("optin.registry.index-uri", "s3://" + BUCKET + "/registry/index.json")));
            return props;
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** The broker the app runs against; a subclass starts a secured one. */
    protected EmbeddedKafka startKafka() {
        return EmbeddedKafka.start();
    }

    public static Path localModel() {
        return BundledModels.MINILM_L6.onnx(LOCAL_MODELS);
    }

    public static Path localTokenizer() {
        return BundledModels.MINILM_L6.tokenizer(LOCAL_MODELS);
    }

    /** The calibration shard as a local file (copied out of the test class path). */
    public static Path localShard() {
        Path target = LOCAL_MODELS.resolve("shard-00000.jsonl");
        try (InputStream in = CoordFleetResources.class.getResourceAsStream("/calibration/shard-00000.jsonl")) {
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
