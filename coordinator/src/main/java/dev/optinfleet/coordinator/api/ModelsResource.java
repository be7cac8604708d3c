package dev.optinfleet.coordinator.api;

import dev.optinfleet.coordinator.registry.ModelRegistries;
import dev.optinfleet.registry.KafkaModelRegistry;
import dev.optinfleet.registry.ModelVersion;
import dev.optinfleet.schemas.Json;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * The registered pruned models ({@link ModelVersion}: lineage, FLOPs, checkpoint and mask URIs) from the registry of
 * our own, in the JSON form they have on the registry topic. 404 names the unknown model or version; 503 while the
 * registry cannot be reached.
 */
@Path("/models")
@Tag(name = "models", description = "Registered pruned model versions")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.JOBS, Roles.ADMIN})
@Blocking
public class ModelsResource {
    private final ModelRegistries registries;

    public ModelsResource(ModelRegistries registries) {
        this.registries = registries;
    }

    @GET
    @Operation(summary = "Every registered version", description = "By name, then version.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ModelVersion.class,
            type = SchemaType.ARRAY)))
    public String all() {
        return Json.write(registries.registry().list());
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "The versions of one model, oldest first")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ModelVersion.class,
            type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "404", description = "No model by that name",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public String versions(@PathParam("name") String name) {
        return Json.write(versionsOf(registries.registry(), name));
    }

    @GET
    @Path("/{name}/{version}")
    @Operation(summary = "One version of a model")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = ModelVersion.class)))
    @APIResponse(responseCode = "404", description = "No such model or version",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public String version(@PathParam("name") String name, @PathParam("version") String version) {
        int number;
        try {
            number = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw new ErrorMappers.BadInputException("version must be a whole number >= 1, was '" + version + "'",
                    e);
        }
        KafkaModelRegistry registry = registries.registry();
        List<ModelVersion> versions = versionsOf(registry, name);
        return Json.write(registry.get(name, number).orElseThrow(() -> new NotFoundException("model " + name
                + " has no version " + version + "; it has " + versions.stream().map(v -> "v" + v.version())
                .toList())));
    }

    private static List<ModelVersion> versionsOf(KafkaModelRegistry registry, String name) {
        List<ModelVersion> versions = registry.list(name);
        if (versions.isEmpty()) {
            List<String> names = registry.list().stream().map(ModelVersion::name).distinct().toList();
            throw new NotFoundException("no registered model named '" + name + "'; registered: "
                    + (names.isEmpty() ? "none yet" : String.join(", ", names)));
        }
        return versions;
    }
}
