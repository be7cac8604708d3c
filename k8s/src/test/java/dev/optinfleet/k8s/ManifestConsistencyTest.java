package dev.optinfleet.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.optinfleet.registry.events.CheckpointPolicy;
import dev.optinfleet.schemas.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parses every manifest and checks it against the applications' own configuration (application.properties and
 * the topic constants), so that the two cannot drift apart: topic names, the workers' consumer group, ports,
 * environment variables and probe paths.
 */
class ManifestConsistencyTest {
    private static final Path BASE = Path.of("base");
    private static final Path ROOT = Path.of("..");
    // A key written twice in a manifest silently loses one of its values; treat it as the error it is.
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Z0-9_]+)(:[^}]*)?}");
    private static final List<JsonNode> DOCS = new ArrayList<>();

    @BeforeAll
    static void parseEveryManifest() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("."))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.toString().contains("target"))
                    .toList()) {
                try (Reader r = Files.newBufferedReader(f); YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(r)) {
                    for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                        if (doc != null && !doc.isMissingNode() && !doc.isEmpty()) {
                            assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind"),
                                    f + ": every document needs apiVersion and kind: " + doc);
                            if (f.startsWith(Path.of(".", "base"))) {
                                ((ObjectNode) doc).put("_file", f.toString());
                                DOCS.add(doc);
                            }
                        }
                    }
                }
            }
        }
        assertFalse(DOCS.isEmpty());
    }

    private static List<JsonNode> kind(String kind) {
        return DOCS.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static JsonNode deployment(String name) {
        return kind("Deployment").stream().filter(d -> d.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment " + name));
    }

    private static Properties properties(String module) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve(module).resolve(
                "src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    @Test
    void kustomizationListsEveryManifestOfTheBase() throws IOException {
        JsonNode k = YAML.readTree(BASE.resolve("kustomization.yaml").toFile());
        Set<String> listed = new HashSet<>();
        k.path("resources").forEach(n -> listed.add(n.asText()));
        try (Stream<Path> files = Files.list(BASE)) {
            Set<String> present = new HashSet<>(files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).toList());
            assertEquals(present, listed);
        }
    }

    @Test
    void topicsAreTheApplicationsTopics() throws Exception {
        Set<String> expected = new HashSet<>();
        for (Field f : Topics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                expected.add((String) f.get(null));
            }
        }
        Set<String> declared = new HashSet<>();
        for (JsonNode t : kind("KafkaTopic")) {
            assertEquals("kafka.strimzi.io/v1", t.path("apiVersion").asText());
            assertEquals("optin-kafka", t.path("metadata").path("labels").path("strimzi.io/cluster").asText());
            declared.add(t.path("spec").path("topicName").asText());
            boolean compacted = "compact".equals(t.path("spec").path("config").path("cleanup.policy").asText());
            String name = t.path("spec").path("topicName").asText();
            boolean shouldBe = name.equals(Topics.TASK_SCORES) || name.equals(Topics.JOB_STATUS)
                    || name.equals(Topics.MODEL_REGISTRY) || name.equals(Topics.PROCESSED_CHECKPOINTS);
            assertEquals(shouldBe, compacted, name + " compaction");
        }
        assertEquals(expected, declared);
        // The applications read and write these same names.
        for (String module : List.of("worker", "coordinator")) {
            properties(module).forEach((k, v) -> {
                if (k.toString().startsWith("mp.messaging.") && k.toString().endsWith(".topic")) {
                    assertTrue(expected.contains(v.toString()), module + " " + k + "=" + v + " is not a known topic");
                }
            });
        }
    }

    @Test
    void topicsAcceptTheLargestMessagesTheWorkersSend() throws IOException {
        Properties worker = properties("worker");
        for (String channel : List.of("task-scores", "dead-letters-out")) {
            String topic = worker.getProperty("mp.messaging.outgoing." + channel + ".topic");
            long producerLimit = Long.parseLong(worker.getProperty("mp.messaging.outgoing." + channel
                    + ".max.request.size", "1048576"));
            long topicLimit = kind("KafkaTopic").stream()
                    .filter(t -> t.path("spec").path("topicName").asText().equals(topic)).findFirst()
                    .orElseThrow(() -> new AssertionError("no KafkaTopic " + topic)).path("spec").path("config")
                    .path("max.message.bytes").asLong(1048588);
            assertTrue(producerLimit > 1048576, channel + ": fisher scores of a 12-layer model exceed 1 MiB");
            assertTrue(topicLimit >= producerLimit, topic + " max.message.bytes " + topicLimit
                    + " is below the worker's max.request.size " + producerLimit);
        }
    }

    @Test
    void workersScaleOnTheirOwnConsumerGroupAndTopicUpToThePartitionCount() throws IOException {
        Properties worker = properties("worker");
        JsonNode scaled = kind("ScaledObject").get(0);
        JsonNode trigger = scaled.path("spec").path("triggers").get(0);
        assertEquals("optin-worker", scaled.path("spec").path("scaleTargetRef").path("name").asText());
        assertEquals(worker.getProperty("mp.messaging.incoming.scoring-tasks.group.id"),
                trigger.path("metadata").path("consumerGroup").asText());
        assertEquals(worker.getProperty("mp.messaging.incoming.scoring-tasks.topic"),
                trigger.path("metadata").path("topic").asText());
        int partitions = kind("KafkaTopic").stream()
                .filter(t -> t.path("spec").path("topicName").asText().equals(Topics.SCORING_TASKS))
                .findFirst().orElseThrow().path("spec").path("partitions").asInt();
        assertEquals(partitions, scaled.path("spec").path("maxReplicaCount").asInt());
    }

    @Test
    void deploymentsProvideEveryEnvironmentVariableTheApplicationsRead() throws IOException {
        JsonNode config = kind("ConfigMap").stream()
                .filter(c -> c.path("metadata").path("name").asText().equals("optin-config")).findFirst()
                .orElseThrow();
        for (String module : List.of("worker", "coordinator")) {
            Set<String> provided = new HashSet<>();
            JsonNode container = deployment("optin-" + module).path("spec").path("template").path("spec")
                    .path("containers").get(0);
            container.path("envFrom").forEach(e -> {
                assertEquals("optin-config", e.path("configMapRef").path("name").asText());
                config.path("data").fieldNames().forEachRemaining(provided::add);
            });
            container.path("env").forEach(e -> provided.add(e.path("name").asText()));
            Set<String> needed = new HashSet<>();
            properties(module).forEach((k, v) -> {
                Matcher m = ENV_REFERENCE.matcher(v.toString());
                while (m.find()) {
                    if (m.group(2) == null) { // variables with a default are optional
                        needed.add(m.group(1));
                    }
                }
            });
            assertFalse(needed.isEmpty(), module + " reads no environment variables?");
            for (String env : needed) {
                assertTrue(provided.contains(env), "optin-" + module + " does not set " + env + " (needed by its"
                        + " application.properties)");
            }
        }
    }

    @Test
    void theCheckpointPolicyParsesAndIsMountedWhereTheCoordinatorReadsIt() {
        JsonNode policy = kind("ConfigMap").stream()
                .filter(c -> c.path("metadata").path("name").asText().equals("optin-checkpoint-policy")).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap optin-checkpoint-policy"));
        CheckpointPolicy parsed = CheckpointPolicy.fromJson(policy.path("data").path("policy.json").asText());
        assertFalse(parsed.rules().isEmpty(), "the example policy has rules");
        JsonNode pod = deployment("optin-coordinator").path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        String file = null;
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals("OPTIN_EVENTS_POLICY_FILE")) {
                file = e.path("value").asText();
            }
        }
        assertNotNull(file, "optin-coordinator sets OPTIN_EVENTS_POLICY_FILE");
        String volume = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (file.equals(m.path("mountPath").asText() + "/policy.json")) {
                volume = m.path("name").asText();
            }
        }
        assertNotNull(volume, file + " is inside a mounted volume");
        boolean fromConfigMap = false;
        for (JsonNode v : pod.path("volumes")) {
            fromConfigMap |= v.path("name").asText().equals(volume)
                    && v.path("configMap").path("name").asText().equals("optin-checkpoint-policy");
        }
        assertTrue(fromConfigMap, "volume " + volume + " is the ConfigMap optin-checkpoint-policy");
    }

    @Test
    void portsAndProbesAreQuarkusDefaults() throws IOException {
        for (String module : List.of("worker", "coordinator")) {
            Properties p = properties(module);
            String port = p.getProperty("%prod.quarkus.http.port", p.getProperty("quarkus.http.port", "8080"));
            String root = p.getProperty("quarkus.smallrye-health.root-path", "/q/health");
            JsonNode container = deployment("optin-" + module).path("spec").path("template").path("spec")
                    .path("containers").get(0);
            assertEquals(Integer.parseInt(port), container.path("ports").get(0).path("containerPort").asInt());
            assertEquals(root + "/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
            assertEquals(root + "/live", container.path("livenessProbe").path("httpGet").path("path").asText());
        }
        JsonNode service = kind("Service").get(0);
        assertEquals("http", service.path("spec").path("ports").get(0).path("targetPort").asText());
    }

    @Test
    void workersRequestAGpuInTheBaseAndTheCpuOverlayRemovesIt() throws IOException {
        JsonNode spec = deployment("optin-worker").path("spec").path("template").path("spec");
        assertEquals(1, spec.path("containers").get(0).path("resources").path("limits").path("nvidia.com/gpu")
                .asInt());
        assertNotNull(spec.path("nodeSelector").get("nvidia.com/gpu.present"));
        assertEquals("nvidia.com/gpu", spec.path("tolerations").get(0).path("key").asText());
        JsonNode overlay = YAML.readTree(Path.of("overlays/cpu/kustomization.yaml").toFile());
        String patch = overlay.path("patches").get(0).path("patch").asText();
        assertTrue(patch.contains("nvidia.com~1gpu") && patch.contains("/nodeSelector"), patch);
    }
}
