package dev.optinfleet.registry;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.optinfleet.schemas.Checks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The registry's index object ({@code s3://optin/registry/index.json} by default): every version by name, for
 * people, dashboards and tools that read object storage but not Kafka. Derived from the registry topic, never read
 * back by the registry; rewritten after each registration and at start-up.
 *
 * @param schemaVersion {@value #SCHEMA_VERSION}
 * @param updatedAt     when it was written, epoch milliseconds
 * @param topic         the topic it was built from
 * @param models        name to its versions, oldest first; names in order
 */
@JsonPropertyOrder({"schema_version", "updated_at", "topic", "models"})
public record RegistryIndex(int schemaVersion, long updatedAt, String topic, Map<String, List<ModelVersion>> models) {
    public static final int SCHEMA_VERSION = 1;

    public RegistryIndex {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("topic", topic);
        Objects.requireNonNull(models, "models");
        Map<String, List<ModelVersion>> copy = new LinkedHashMap<>();
        models.forEach((name, versions) -> copy.put(name, List.copyOf(versions)));
        models = java.util.Collections.unmodifiableMap(copy);
    }
}
