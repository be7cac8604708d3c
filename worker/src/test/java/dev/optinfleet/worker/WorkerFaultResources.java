package dev.optinfleet.worker;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.embedded.EmbeddedKafka;
import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.Topics;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageSettings;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The worker's fleet of {@link FleetResources} (same topics, the real MiniLM and shard at the same URIs) for its
 * fault-injection tests: the S3 server can be stopped and started again on its port ({@link #stopS3()},
 * {@link #startS3()}), and the result channel's producer accepts at most {@value #MAX_RESULT_BYTES} bytes a record,
 * so that a fisher task's result (about 0.4 MB for MiniLM) is too large for Kafka as a result over the 32 MiB of a
 * deployment's task-scores topic would be, while a task of a dozen heads is not. Storage retries wait at most 1 s apart.
 */
public class WorkerFaultResources implements QuarkusTestResourceLifecycleManager {
    static final int MAX_RESULT_BYTES = 131_072;

    private static Path work;
    private static EmbeddedKafka kafka;
    private static S3ProxyServer s3;

    @Override
    public Map<String, String> start() {
        try {
            work = Files.createTempDirectory("optin-worker-fault-test");
            kafka = EmbeddedKafka.start();
            kafka.createTopic(Topics.SCORING_TASKS, FleetResources.TASK_PARTITIONS, false);
            kafka.createTopic(Topics.TASK_SCORES, 1, true);
            kafka.createTopic(Topics.DEAD_LETTERS, 1, false);
            s3 = S3ProxyServer.start(work.resolve("s3"));
            try (ObjectStore store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(),
                    s3.secretKey()))) {
                store.ensureBucket(FleetResources.BUCKET);
                store.putFile(FleetResources.MODEL, BundledModels.MINILM_L6.onnx(FleetResources.LOCAL_MODELS));
                store.putFile(FleetResources.TOKENIZER,
                        BundledModels.MINILM_L6.tokenizer(FleetResources.LOCAL_MODELS));
                store.putFile(FleetResources.SHARD, FleetResources.localShard());
            }
            return Map.of(
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "optin.s3.endpoint", s3.endpoint(),
                    "optin.s3.access-key", s3.accessKey(),
                    "optin.s3.secret-key", s3.secretKey(),
                    "optin.s3.retry.max-backoff", "1s",
                    "optin.worker.id", "fault-worker",
                    "optin.worker.cache-dir", work.resolve("cache").toString(),
                    "mp.messaging.outgoing.task-scores.max.request.size", String.valueOf(MAX_RESULT_BYTES));
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    static synchronized void stopS3() {
        s3.close();
    }

    static synchronized void startS3() {
        s3 = s3.startAgain();
    }

    static synchronized boolean s3Running() {
        return s3.isRunning();
    }

    @Override
    public synchronized void stop() {
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
