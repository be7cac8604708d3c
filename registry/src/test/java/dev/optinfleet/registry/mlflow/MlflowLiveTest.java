package dev.optinfleet.registry.mlflow;

import dev.optinfleet.registry.Drafts;
import dev.optinfleet.registry.ModelVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against a real MLflow tracking server, when {@code MLFLOW_TRACKING_URI} is set (e.g. {@code mlflow server --port
 * 5000} and {@code MLFLOW_TRACKING_URI=http://127.0.0.1:5000}); skipped otherwise. Registers under a fresh name.
 */
@EnabledIfEnvironmentVariable(named = MlflowSettings.ENV_TRACKING_URI, matches = ".+")
class MlflowLiveTest {

    @Test
    void registerListGetAndAliasOnARealServer() {
        String name = "optin-live-" + UUID.randomUUID().toString().substring(0, 8);
        try (MlflowModelRegistry registry = new MlflowModelRegistry(MlflowSettings.fromEnvironment(System.getenv()))) {
            ModelVersion first = registry.register(Drafts.draft(name, "job-live-1", 0.6));
            ModelVersion second = registry.register(Drafts.draft(name, "job-live-1", 0.5));
            assertEquals(1, first.version());
            assertEquals(2, second.version());
            assertEquals(first, registry.register(Drafts.draft(name, "job-live-1", 0.6)));
            assertEquals(java.util.List.of(first, second), registry.list(name));
            assertEquals(Optional.of(second), registry.get(name, 2));
            assertEquals(Optional.of(first), registry.byAlias(name, "budget-0_6"));
            assertTrue(registry.list().contains(second));
        }
    }
}
