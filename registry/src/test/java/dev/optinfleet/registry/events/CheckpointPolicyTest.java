package dev.optinfleet.registry.events;

import dev.optinfleet.embedded.S3ProxyServer;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.schemas.events.ObjectCreated;
import dev.optinfleet.schemas.job.JobRequest;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.storage.ObjectInfo;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy against a real S3 server holding real folders. */
class CheckpointPolicyTest {

    static final String BUCKET = "models";
    static final String CONFIG = "{\"model_type\":\"bert\",\"vocab_size\":30522,\"hidden_size\":384,"
            + "\"num_hidden_layers\":6,\"num_attention_heads\":12,\"intermediate_size\":1536}";
    static final CheckpointPolicy POLICY = new CheckpointPolicy(List.of(
            new CheckpointRule("minilm", BUCKET, "minilm/**", List.of(0.6, 0.5),
                    List.of("s3://data/calibration/wiki/shard-00000.jsonl"), ScoringSpec.of("fisher"),
                    "s3://optin/pruned", "minilm", null, null, null, null),
            new CheckpointRule("shared-tokenizer", BUCKET, "bert/**", List.of(0.7),
                    List.of("s3://data/calibration/wiki/shard-00000.jsonl"), null, null, null,
                    "s3://models/tokenizers/bert/tokenizer.json", null, null, null),
            CheckpointRule.of("everything-else", BUCKET, "**/config.json", List.of(0.9),
                    List.of("s3://data/calibration/other/shard-00000.jsonl"))));

    @TempDir
    static Path data;

    private static S3ProxyServer s3;
    static ObjectStore store;

    @BeforeAll
    static void start() {
        s3 = S3ProxyServer.start(data);
        store = new ObjectStore(StorageSettings.of(s3.endpoint(), s3.accessKey(), s3.secretKey()));
        store.ensureBucket(BUCKET);
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /** Writes the object and returns the event its upload would publish. */
    static ObjectCreated upload(String key, String content) {
        ObjectInfo info = store.putBytes(S3Uri.of(BUCKET, key), content.getBytes(StandardCharsets.UTF_8));
        return ObjectCreated.put(BUCKET, key, info.size(), info.etag());
    }

    private static String folder(TestInfo test) {
        return "minilm/" + test.getTestMethod().orElseThrow().getName() + "/";
    }

    @Test
    void weightsBeforeConfigAreIncompleteNamingTheConfig(TestInfo test) {
        String dir = folder(test);
        ObjectCreated weights = upload(dir + "model.safetensors", "weights v1");
        Decision decision = POLICY.evaluate(weights, store);
        Decision.Rejection rejection = assertInstanceOf(Decision.Rejection.class, decision);
        assertEquals(Decision.Reason.INCOMPLETE, rejection.reason());
        assertEquals("s3://models/" + dir + "config.json is missing", rejection.detail());
    }

    @Test
    void configBeforeWeightsIsIncompleteNamingTheWeights(TestInfo test) {
        String dir = folder(test);
        Decision.Rejection rejection = assertInstanceOf(Decision.Rejection.class,
                POLICY.evaluate(upload(dir + "config.json", CONFIG), store));
        assertEquals("s3://models/" + dir + "model.safetensors is missing", rejection.detail());
    }

    @Test
    void completeCheckpointStartsTheSameJobFromEitherEvent(TestInfo test) {
        String dir = folder(test);
        ObjectCreated config = upload(dir + "config.json", CONFIG);
        ObjectCreated weights = upload(dir + "model.safetensors", "weights v1");
        Decision.Rejection early = assertInstanceOf(Decision.Rejection.class, POLICY.evaluate(config, store));
        assertEquals("s3://models/" + dir + "tokenizer.json is missing", early.detail());
        upload(dir + "tokenizer.json", "{}");

        Decision.Start fromWeights = assertInstanceOf(Decision.Start.class, POLICY.evaluate(weights, store));
        Decision.Start fromConfig = assertInstanceOf(Decision.Start.class, POLICY.evaluate(config, store));
        assertEquals(fromWeights.checkpoint(), fromConfig.checkpoint());
        assertEquals(fromWeights.jobId(), fromConfig.jobId());
        assertEquals(new CheckpointVersion(BUCKET, dir + "model.safetensors", weights.eTag()),
                fromWeights.checkpoint());
        assertEquals("minilm", fromWeights.rule());
        assertEquals(new JobRequest(1, "minilm", "s3://models/" + dir + "config.json", null,
                List.of("s3://data/calibration/wiki/shard-00000.jsonl"), List.of(0.6, 0.5), ScoringSpec.of("fisher"),
                null, null, "s3://optin/pruned", null, "event"), fromWeights.request());
        assertTrue(fromWeights.jobId().matches("ckpt-[0-9a-f]{16}"), fromWeights.jobId());
    }

    @Test
    void modelOnnxBesideASafetensorsCheckpointIsThatCheckpointNotASecondOne(TestInfo test) {
        // A pruned output folder holds config.json, model.safetensors and its ONNX export model.onnx.
        String dir = folder(test);
        upload(dir + "config.json", CONFIG);
        upload(dir + "tokenizer.json", "{}");
        ObjectCreated weights = upload(dir + "model.safetensors", "weights v1");
        ObjectCreated onnx = upload(dir + "model.onnx", "onnx bytes");

        Decision.Start fromOnnx = assertInstanceOf(Decision.Start.class, POLICY.evaluate(onnx, store));
        Decision.Start fromWeights = assertInstanceOf(Decision.Start.class, POLICY.evaluate(weights, store));
        assertEquals(fromWeights.jobId(), fromOnnx.jobId(), "one checkpoint, one job");
        assertEquals("s3://models/" + dir + "config.json", fromOnnx.request().modelUri());
    }

    @Test
    void newWeightsContentIsANewVersionWithANewJob(TestInfo test) {
        String dir = folder(test);
        upload(dir + "config.json", CONFIG);
        upload(dir + "tokenizer.json", "{}");
        Decision.Start first = assertInstanceOf(Decision.Start.class,
                POLICY.evaluate(upload(dir + "model.safetensors", "weights v1"), store));
        Decision.Start second = assertInstanceOf(Decision.Start.class,
                POLICY.evaluate(upload(dir + "model.safetensors", "weights v2"), store));
        assertNotEquals(first.checkpoint().etag(), second.checkpoint().etag());
        assertNotEquals(first.jobId(), second.jobId());
    }

    @Test
    void onnxNeedsOnlyItsTokenizerAndTheTokenizerEventCanCompleteIt(TestInfo test) {
        String dir = folder(test);
        ObjectCreated onnx = upload(dir + "model.onnx", "onnx bytes");
        Decision.Rejection early = assertInstanceOf(Decision.Rejection.class, POLICY.evaluate(onnx, store));
        assertEquals("s3://models/" + dir + "tokenizer.json is missing", early.detail());
        ObjectCreated tokenizer = upload(dir + "tokenizer.json", "{}");
        Decision.Start start = assertInstanceOf(Decision.Start.class, POLICY.evaluate(tokenizer, store));
        assertEquals("s3://models/" + dir + "model.onnx", start.request().modelUri());
        assertEquals(new CheckpointVersion(BUCKET, dir + "model.onnx", onnx.eTag()), start.checkpoint());
        assertEquals(start, new Decision.Start(tokenizer, start.checkpoint(), "minilm", start.request()));
        assertEquals(start.checkpoint(),
                assertInstanceOf(Decision.Start.class, POLICY.evaluate(onnx, store)).checkpoint());
    }

    @Test
    void tokenizerWithoutModelIsIncomplete(TestInfo test) {
        String dir = folder(test);
        Decision.Rejection rejection = assertInstanceOf(Decision.Rejection.class,
                POLICY.evaluate(upload(dir + "tokenizer.json", "{}"), store));
        assertEquals(Decision.Reason.INCOMPLETE, rejection.reason());
        assertTrue(rejection.detail().startsWith("no model next to it"), rejection.detail());
    }

    @Test
    void ruleWithItsOwnTokenizerDoesNotNeedOneNextToTheModel() {
        upload("bert/base/config.json", CONFIG);
        Decision.Start start = assertInstanceOf(Decision.Start.class,
                POLICY.evaluate(upload("bert/base/model.safetensors", "w"), store));
        assertEquals("shared-tokenizer", start.rule());
        assertEquals("s3://models/tokenizers/bert/tokenizer.json", start.request().tokenizerUri());
        assertEquals(List.of(0.7), start.request().budgets());
    }

    @Test
    void firstCoveringRuleWinsAndUncoveredObjectsAreRejected() {
        Decision.Rejection rejection = assertInstanceOf(Decision.Rejection.class,
                POLICY.evaluate(ObjectCreated.put("other-bucket", "minilm/1/config.json", 3, "e"), store));
        assertEquals(Decision.Reason.NO_RULE_MATCHES, rejection.reason());
        assertTrue(rejection.detail().contains("s3://other-bucket/minilm/1/config.json"), rejection.detail());
        assertTrue(rejection.detail().contains("minilm (models/minilm/**)"), rejection.detail());

        rejection = assertInstanceOf(Decision.Rejection.class,
                POLICY.evaluate(ObjectCreated.put(BUCKET, "misc/model.safetensors", 3, "e"), store));
        assertEquals(Decision.Reason.NO_RULE_MATCHES, rejection.reason());

        upload("misc/a/config.json", CONFIG);
        upload("misc/a/tokenizer.json", "{}");
        upload("misc/a/model.safetensors", "w");
        Decision.Start start = assertInstanceOf(Decision.Start.class,
                POLICY.evaluate(ObjectCreated.put(BUCKET, "misc/a/config.json", 3, "e"), store));
        assertEquals("everything-else", start.rule());
        assertEquals(null, start.request().name());
    }

    @Test
    void otherFilesAreNotCheckpointFiles() {
        Decision.Rejection rejection = assertInstanceOf(Decision.Rejection.class,
                POLICY.evaluate(ObjectCreated.put(BUCKET, "minilm/1/vocab.txt", 3, "e"), store));
        assertEquals(Decision.Reason.NOT_A_CHECKPOINT_FILE, rejection.reason());
        assertTrue(rejection.detail().startsWith("vocab.txt"), rejection.detail());
    }

    @Test
    void invalidConfigNamesTheFileAndField(TestInfo test) {
        String dir = folder(test);
        upload(dir + "tokenizer.json", "{}");
        upload(dir + "model.safetensors", "w");
        ObjectCreated config = upload(dir + "config.json", CONFIG.replace("\"hidden_size\":384",
                "\"hidden_size\":\"big\""));
        Decision.Rejection rejection = assertInstanceOf(Decision.Rejection.class, POLICY.evaluate(config, store));
        assertEquals(Decision.Reason.INVALID_CONFIG, rejection.reason());
        assertTrue(rejection.detail().startsWith("s3://models/" + dir + "config.json: field 'hidden_size'"),
                rejection.detail());

        upload(dir + "config.json", CONFIG.replace("\"bert\"", "\"gpt2\""));
        assertTrue(((Decision.Rejection) POLICY.evaluate(config, store)).detail().contains("'model_type' is 'gpt2'"));
        upload(dir + "config.json", CONFIG.replace("\"num_attention_heads\":12", "\"num_attention_heads\":7"));
        assertTrue(((Decision.Rejection) POLICY.evaluate(config, store)).detail()
                .contains("'num_attention_heads' (7) must divide 'hidden_size' (384)"));
        upload(dir + "config.json", "{\"model_type\":");
        assertTrue(((Decision.Rejection) POLICY.evaluate(config, store)).detail().contains("not valid JSON"));
    }

    @Test
    void policyIsReadFromJsonAndBadRulesAreNamed() {
        CheckpointPolicy policy = CheckpointPolicy.fromJson("""
                {"rules": [
                  {"name": "minilm", "bucket": "models", "keys": "minilm/**", "budgets": [0.6, 0.5],
                   "calibration_uris": ["s3://data/calibration/wiki/shard-00000.jsonl"],
                   "scoring": {"scorer": "fisher", "fisher_probes": 8},
                   "output_prefix": "s3://optin/pruned", "model_name": "minilm", "neurons_per_task": 256}
                ]}""");
        CheckpointRule rule = policy.rules().get(0);
        assertEquals(List.of(0.6, 0.5), rule.budgets());
        assertEquals(8, rule.scoring().fisherProbes());
        assertEquals(256, rule.neuronsPerTask());
        assertTrue(rule.covers("models", "minilm/3/config.json"));

        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> CheckpointPolicy.fromJson(
                "{\"rules\":[{\"name\":\"r\",\"bucket\":\"models\",\"keys\":\"**\",\"budgets\":[1.5],"
                        + "\"calibration_uris\":[\"s3://d/c.jsonl\"]}]}"));
        assertTrue(e.getMessage().contains("rule 'r': budgets[0] must be in (0, 1]"), e.getMessage());
        e = assertThrows(MalformedMessageException.class, () -> CheckpointPolicy.fromJson(
                "{\"rules\":[{\"name\":\"r\",\"bucket\":\"models\",\"key\":\"**\"}]}"));
        assertTrue(e.getMessage().contains("rule 'r': keys is required"), e.getMessage());
        e = assertThrows(MalformedMessageException.class, () -> CheckpointPolicy.fromJson(
                "{\"rules\":[{\"name\":\"r\",\"bucket\":\"models\",\"keys\":\"**\",\"budgets\":[1],"
                        + "\"calibration_uris\":[\"s3://d/c.jsonl\"],\"budget\":0.5}]}"));
        assertTrue(e.getMessage().contains("unknown field 'budget'"), e.getMessage());
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy(
                List.of(CheckpointRule.of("r", "models", "**", List.of(1.0), List.of("s3://d/c.jsonl")),
                        CheckpointRule.of("r", "models", "a/**", List.of(1.0), List.of("s3://d/c.jsonl")))));
        assertTrue(dup.getMessage().contains("'r'"), dup.getMessage());
    }
}
