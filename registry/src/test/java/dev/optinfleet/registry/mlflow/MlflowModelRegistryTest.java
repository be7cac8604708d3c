package dev.optinfleet.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.registry.Drafts;
import dev.optinfleet.registry.ModelVersion;
import dev.optinfleet.registry.ModelVersionDraft;
import dev.optinfleet.registry.RegistryRequestException;
import dev.optinfleet.registry.RegistryUnavailableException;
import dev.optinfleet.storage.RetryPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MLflow adapter against a stateful fake MLflow server, asserting the exact requests it makes. */
class MlflowModelRegistryTest {

    private static final String API = "/api/2.0/mlflow/";
    private static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1));

    private FakeMlflowServer fake;
    private final List<Duration> sleeps = new ArrayList<>();
    private MlflowModelRegistry registry;

    @BeforeEach
    void start() throws Exception {
        fake = FakeMlflowServer.start();
        registry = new MlflowModelRegistry(MlflowSettings.of(fake.trackingUri()).withRetry(RETRY),
                HttpClient.newHttpClient(), sleeps::add);
    }

    @AfterEach
    void stop() {
        registry.close();
        fake.close();
    }

    @Test
    void firstRegistrationCreatesModelVersionAndBudgetAlias() {
        ModelVersionDraft draft = Drafts.draft("minilm", "job-1", 0.6, "alice");
        ModelVersion version = registry.register(draft);

        assertEquals(List.of(
                "GET " + API + "registered-models/get",
                "POST " + API + "registered-models/create",
                "GET " + API + "model-versions/search",
                "POST " + API + "model-versions/create",
                "POST " + API + "registered-models/alias"), fake.requestLines());
        List<FakeMlflowServer.Recorded> requests = fake.requests();
        assertEquals("minilm", requests.get(0).query().get("name"));
        assertEquals("minilm", requests.get(1).body().get("name").asText());
        assertEquals("name='minilm'", requests.get(2).query().get("filter"));

        JsonNode create = requests.get(3).body();
        assertEquals("minilm", create.get("name").asText());
        assertEquals(draft.checkpointUri(), create.get("source").asText());
        Map<String, String> tags = new HashMap<>();
        create.get("tags").forEach(t -> tags.put(t.get("key").asText(), t.get("value").asText()));
        assertEquals("job-1", tags.get("optin.job_id"));
        assertEquals("alice", tags.get("optin.submitted_by"));
        assertEquals("0.6", tags.get("optin.budget"));
        assertEquals(draft.parent().uri(), tags.get("optin.parent_uri"));
        assertEquals(draft.parent().etag(), tags.get("optin.parent_etag"));
        assertEquals(draft.maskUri(), tags.get("optin.mask_uri"));
        assertEquals(draft.onnxUri(), tags.get("optin.onnx_uri"));
        assertTrue(draft.onnxUri().endsWith("/model.onnx"), draft.onnxUri());
        assertEquals("1.0E9", tags.get("optin.flops.prunable_before"));
        assertEquals("{\"scorer\":\"trajectory\",\"token_rows\":128,\"lambda\":0.5,\"seed\":42}",
                tags.get("optin.scoring"));

        JsonNode alias = requests.get(4).body();
        assertEquals("minilm", alias.get("name").asText());
        assertEquals("budget-0_6", alias.get("alias").asText());
        assertEquals("1", alias.get("version").asText());

        assertEquals(1, version.version());
        assertEquals(draft.toVersion(1, version.createdAt()), version);
        assertTrue(version.createdAt() > 0);
        assertEquals(List.of(), sleeps);
    }

    @Test
    void existingModelIsNotCreatedAgainAndVersionsCountUp() {
        registry.register(Drafts.draft("minilm", "job-1", 0.6));
        fake.clearRequests();
        ModelVersion second = registry.register(Drafts.draft("minilm", "job-1", 0.5));
        assertEquals(2, second.version());
        assertEquals(List.of(
                "GET " + API + "registered-models/get",
                "GET " + API + "model-versions/search",
                "POST " + API + "model-versions/create",
                "POST " + API + "registered-models/alias"), fake.requestLines());
        assertEquals("budget-0_5", fake.requests().get(3).body().get("alias").asText());
    }

    @Test
    void modelCreatedConcurrentlyByAnotherWriterIsFine() {
        fake.createModel("minilm");
        fake.hideFromGet("minilm");
        ModelVersion version = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        assertEquals(1, version.version());
        assertEquals("POST " + API + "registered-models/create", fake.requestLines().get(1));
    }

    @Test
    void sameJobAndBudgetRegistersOnce() {
        ModelVersion first = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        assertEquals(first, registry.register(Drafts.draft("minilm", "job-1", 0.6)));
        assertEquals(1, fake.versionCount("minilm"));
    }

    @Test
    void listAndGetRebuildLineageFromTags() {
        ModelVersion a1 = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        ModelVersion a2 = registry.register(Drafts.draft("minilm", "job-2", 0.5, "bob"));
        ModelVersion b1 = registry.register(Drafts.draft("bert", "job-3", 0.75));
        assertEquals(List.of(b1, a1, a2), registry.list());
        assertEquals("bob", registry.get("minilm", 2).orElseThrow().submittedBy(), "read back from optin.submitted_by");
        assertEquals(null, registry.get("minilm", 1).orElseThrow().submittedBy(), "no tag, no submitter");
        assertEquals(List.of(a1, a2), registry.list("minilm"));
        assertEquals(Optional.of(a2), registry.get("minilm", 2));
        assertEquals(Optional.empty(), registry.get("minilm", 9));
        assertEquals(Optional.of(a2), registry.latest("minilm"));
        assertEquals(Optional.of(b1), registry.byAlias("bert", ModelVersion.budgetAlias(0.75)));
        assertEquals(Optional.empty(), registry.byAlias("bert", "budget-0_1"));
    }

    @Test
    void searchFollowsPagesAndSkipsVersionsOfOtherTools() {
        fake.addForeignVersions("other", MlflowModelRegistry.PAGE_SIZE + 5);
        ModelVersion a = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        fake.clearRequests();
        assertEquals(List.of(a), registry.list());
        assertEquals(List.of(
                "GET " + API + "model-versions/search",
                "GET " + API + "model-versions/search"), fake.requestLines());
        assertEquals(String.valueOf(MlflowModelRegistry.PAGE_SIZE),
                fake.requests().get(1).query().get("page_token"));
        assertEquals(List.of(), registry.list("other"));
    }

    @Test
    void getOfAVersionWithoutLineageNamesTheMissingTag() {
        fake.addForeignVersions("other", 1);
        RegistryRequestException e = assertThrows(RegistryRequestException.class, () -> registry.get("other", 1));
        assertTrue(e.getMessage().contains("optin.parent_uri"), e.getMessage());
    }

    @Test
    void serverErrorsAreRetriedWithExponentialBackoff() {
        fake.failNext(2, 503, "TEMPORARILY_UNAVAILABLE", "busy");
        ModelVersion version = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        assertEquals(1, version.version());
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), sleeps);
        assertEquals(List.of(
                "GET " + API + "registered-models/get",
                "GET " + API + "registered-models/get",
                "GET " + API + "registered-models/get",
                "POST " + API + "registered-models/create",
                "GET " + API + "model-versions/search",
                "POST " + API + "model-versions/create",
                "POST " + API + "registered-models/alias"), fake.requestLines());
    }

    @Test
    void retriesAreBoundedAndTheLastFailureIsNamed() {
        fake.failNext(10, 500, "INTERNAL_ERROR", "database is down");
        RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
                () -> registry.register(Drafts.draft("minilm", "job-1", 0.6)));
        assertTrue(e.isRetryable());
        assertTrue(e.getMessage().contains("GET " + API + "registered-models/get"), e.getMessage());
        assertTrue(e.getMessage().contains("INTERNAL_ERROR: database is down"), e.getMessage());
        assertEquals(3, fake.requests().size());
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), sleeps);
    }

    @Test
    void lostAnswerToVersionCreateDoesNotAddASecondVersion() {
        fake.failNextAfterApplying("model-versions/create", 502);
        ModelVersion version = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        assertEquals(1, version.version());
        assertEquals(1, fake.versionCount("minilm"));
        assertEquals(List.of(
                "GET " + API + "registered-models/get",
                "POST " + API + "registered-models/create",
                "GET " + API + "model-versions/search",
                "POST " + API + "model-versions/create",
                "GET " + API + "model-versions/search",
                "POST " + API + "registered-models/alias"), fake.requestLines());
        assertEquals(List.of(Duration.ofMillis(100)), sleeps);
    }

    @Test
    void failedVersionCreateIsRetriedAfterLookingForIt() {
        fake.failNext("model-versions/create", 1, 503, "TEMPORARILY_UNAVAILABLE", "busy");
        ModelVersion version = registry.register(Drafts.draft("minilm", "job-1", 0.6));
        assertEquals(1, version.version());
        assertEquals(List.of(
                "GET " + API + "registered-models/get",
                "POST " + API + "registered-models/create",
                "GET " + API + "model-versions/search",
                "POST " + API + "model-versions/create",
                "GET " + API + "model-versions/search",
                "POST " + API + "model-versions/create",
                "POST " + API + "registered-models/alias"), fake.requestLines());
    }

    @Test
    void clientErrorNamesTheRequestAndMlflowsErrorWithoutRetrying() {
        fake.failNext(1, 403, "PERMISSION_DENIED", "User 'fleet' lacks permission to read 'minilm'");
        RegistryRequestException e = assertThrows(RegistryRequestException.class,
                () -> registry.register(Drafts.draft("minilm", "job-1", 0.6)));
        assertFalse(e.isRetryable());
        assertTrue(e.getMessage().contains("GET " + API + "registered-models/get"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 403 PERMISSION_DENIED: User 'fleet' lacks permission"),
                e.getMessage());
        assertEquals(1, fake.requests().size());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void invalidParameterOnVersionCreateIsARequestError() {
        fake.createModel("minilm");
        fake.failNext("model-versions/create", 1, 400, "INVALID_PARAMETER_VALUE", "Tag value too long");
        RegistryRequestException e = assertThrows(RegistryRequestException.class,
                () -> registry.register(Drafts.draft("minilm", "job-1", 0.6)));
        assertTrue(e.getMessage().contains("POST " + API + "model-versions/create"), e.getMessage());
        assertTrue(e.getMessage().contains("INVALID_PARAMETER_VALUE: Tag value too long"), e.getMessage());
    }
}
