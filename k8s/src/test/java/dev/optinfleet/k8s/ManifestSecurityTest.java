package dev.optinfleet.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Least privilege in the manifests, property by property, so that none of it can silently go: one S3 Secret per
 * privilege (workers read-only, coordinator read-write, MinIO admin only in the notification Job); every pod
 * non-root with a read-only root filesystem, no privilege escalation, every capability dropped, writable paths on
 * size-limited emptyDirs and an ephemeral-storage limit; NetworkPolicies that let workers reach only Kafka, S3 and
 * DNS and let only labelled namespaces reach the coordinator.
 */
class ManifestSecurityTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<JsonNode> DOCS = new ArrayList<>();

    @BeforeAll
    static void parse() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("base"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                try (Reader r = Files.newBufferedReader(f);
                     YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(r)) {
                    for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                        if (doc != null && !doc.isEmpty()) {
                            DOCS.add(doc);
                        }
                    }
                }
            }
        }
    }

    /** Every workload's pod spec, by kind/name: the Deployments and the Job. */
    private static List<JsonNode> workloads() {
        List<JsonNode> w = DOCS.stream().filter(d -> Set.of("Deployment", "Job", "StatefulSet", "DaemonSet",
                "CronJob").contains(d.path("kind").asText())).toList();
        assertEquals(3, w.size(), "coordinator, worker and the notification Job");
        return w;
    }

    private static String name(JsonNode workload) {
        return workload.path("kind").asText() + "/" + workload.path("metadata").path("name").asText();
    }

    private static JsonNode pod(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }

    private static JsonNode workload(String name) {
        return workloads().stream().filter(w -> w.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no workload " + name));
    }

    /** The Secrets a workload's containers read, by name. */
    private static Set<String> secrets(JsonNode workload) {
        Set<String> names = new HashSet<>();
        for (JsonNode c : pod(workload).path("containers")) {
            c.path("env").forEach(e -> {
                JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                if (!ref.isMissingNode()) {
                    names.add(ref.path("name").asText());
                }
            });
            c.path("envFrom").forEach(e -> {
                if (e.has("secretRef")) {
                    names.add(e.path("secretRef").path("name").asText());
                }
            });
        }
        pod(workload).path("volumes").forEach(v -> {
            if (v.has("secret")) {
                names.add(v.path("secret").path("secretName").asText());
            }
        });
        return names;
    }

    @Test
    void eachWorkloadGetsOnlyTheS3SecretOfItsPrivilege() {
        assertEquals(Set.of("optin-s3-worker", "optin-kafka-credentials"), secrets(workload("optin-worker")));
        assertEquals(Set.of("optin-s3-coordinator", "optin-kafka-credentials", "optin-mlflow-credentials"),
                secrets(workload("optin-coordinator")));
        assertEquals(Set.of("optin-minio-admin"), secrets(workload("optin-minio-notifications")));
        for (JsonNode w : workloads()) {
            assertFalse(secrets(w).contains("optin-s3-credentials"), name(w) + " still mounts the shared Secret");
        }
    }

    @Test
    void everyPodRunsAsNonRootWithADefaultSeccompProfileAndNoServiceAccountToken() {
        for (JsonNode w : workloads()) {
            JsonNode sc = pod(w).path("securityContext");
            assertTrue(sc.path("runAsNonRoot").asBoolean(false), name(w) + " runAsNonRoot");
            assertTrue(sc.path("runAsUser").asInt(0) > 0, name(w) + " runAsUser is not root");
            assertEquals("RuntimeDefault", sc.path("seccompProfile").path("type").asText(), name(w) + " seccomp");
            assertFalse(pod(w).path("automountServiceAccountToken").asBoolean(true), name(w)
                    + " mounts no API token it does not use");
        }
    }

    @Test
    void everyContainerHasAReadOnlyRootNoEscalationNoCapabilitiesAndAnEphemeralStorageLimit() {
        for (JsonNode w : workloads()) {
            for (JsonNode c : pod(w).path("containers")) {
                String where = name(w) + " container " + c.path("name").asText();
                JsonNode sc = c.path("securityContext");
                assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(false), where + " readOnlyRootFilesystem");
                assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), where + " allowPrivilegeEscalation");
                assertFalse(sc.path("privileged").asBoolean(false), where + " privileged");
                List<String> dropped = new ArrayList<>();
                sc.path("capabilities").path("drop").forEach(d -> dropped.add(d.asText()));
                assertEquals(List.of("ALL"), dropped, where + " drops every capability");
                assertTrue(sc.path("capabilities").path("add").isMissingNode(), where + " adds none");
                assertTrue(c.path("resources").path("limits").hasNonNull("ephemeral-storage"),
                        where + " has an ephemeral-storage limit");
            }
        }
    }

    @Test
    void everyWritablePathIsASizeLimitedEmptyDir() {
        for (JsonNode w : workloads()) {
            JsonNode pod = pod(w);
            for (JsonNode v : pod.path("volumes")) {
                if (v.has("emptyDir")) {
                    assertTrue(v.path("emptyDir").hasNonNull("sizeLimit"), name(w) + " emptyDir "
                            + v.path("name").asText() + " has a sizeLimit");
                }
            }
            for (JsonNode c : pod.path("containers")) {
                Set<String> writable = new HashSet<>();
                for (JsonNode m : c.path("volumeMounts")) {
                    boolean emptyDir = false;
                    for (JsonNode v : pod.path("volumes")) {
                        emptyDir |= v.path("name").asText().equals(m.path("name").asText()) && v.has("emptyDir");
                    }
                    if (!m.path("readOnly").asBoolean(false)) {
                        assertTrue(emptyDir, name(w) + " mounts " + m.path("mountPath").asText()
                                + " writable but not as an emptyDir");
                        writable.add(m.path("mountPath").asText());
                    }
                }
                assertTrue(writable.contains("/tmp"), name(w) + ": /tmp (the JVM's temp dir) is writable");
                c.path("env").forEach(e -> {
                    String n = e.path("name").asText();
                    if (n.endsWith("_DIR") || n.equals("HOME")) {
                        String dir = e.path("value").asText();
                        assertTrue(writable.stream().anyMatch(dir::startsWith), name(w) + " " + n + "=" + dir
                                + " is on a writable emptyDir");
                    }
                });
            }
        }
    }

    private static JsonNode policy(String name) {
        return DOCS.stream().filter(d -> d.path("kind").asText().equals("NetworkPolicy")
                && d.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no NetworkPolicy " + name));
    }

    private static Set<String> egressNamespaces(JsonNode policy) {
        Set<String> namespaces = new HashSet<>();
        for (JsonNode rule : policy.path("spec").path("egress")) {
            assertFalse(rule.path("to").isMissingNode() || rule.path("to").isEmpty(),
                    "an egress rule without 'to' allows everywhere: " + rule);
            for (JsonNode to : rule.path("to")) {
                assertTrue(to.has("namespaceSelector") && !to.has("ipBlock"), "egress by namespace only: " + to);
                namespaces.add(to.path("namespaceSelector").path("matchLabels")
                        .path("kubernetes.io/metadata.name").asText());
            }
            assertFalse(rule.path("ports").isEmpty(), "egress rule names its ports: " + rule);
        }
        return namespaces;
    }

    @Test
    void workersTakeNoConnectionsAndReachOnlyKafkaS3AndDns() {
        JsonNode worker = policy("optin-worker");
        assertEquals("optin-worker", worker.path("spec").path("podSelector").path("matchLabels")
                .path("app.kubernetes.io/name").asText());
        List<String> types = new ArrayList<>();
        worker.path("spec").path("policyTypes").forEach(t -> types.add(t.asText()));
        assertEquals(List.of("Ingress", "Egress"), types);
        assertTrue(worker.path("spec").path("ingress").isEmpty(), "no ingress to workers");
        assertEquals(Set.of("kafka", "minio", "kube-system"), egressNamespaces(worker));
    }

    @Test
    void theCoordinatorIsReachableOnlyFromLabelledNamespacesOnItsHttpPort() {
        JsonNode coordinator = policy("optin-coordinator");
        List<String> types = new ArrayList<>();
        coordinator.path("spec").path("policyTypes").forEach(t -> types.add(t.asText()));
        assertEquals(List.of("Ingress", "Egress"), types);
        JsonNode ingress = coordinator.path("spec").path("ingress");
        assertEquals(1, ingress.size());
        for (JsonNode from : ingress.get(0).path("from")) {
            assertEquals("true", from.path("namespaceSelector").path("matchLabels").path("optin-fleet/api-access")
                    .asText(), "ingress only from labelled namespaces: " + from);
            assertFalse(from.has("ipBlock"));
        }
        assertEquals(8080, ingress.get(0).path("ports").get(0).path("port").asInt());
        assertEquals(Set.of("kafka", "minio", "mlflow", "kube-system"), egressNamespaces(coordinator));
    }
}
