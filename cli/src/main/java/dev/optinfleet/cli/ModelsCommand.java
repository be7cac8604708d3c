package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code optin models}: the pruned model versions the coordinator registered, with their lineage. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Lists registered pruned model versions (all, or one model's) with their lineage.",
        footer = {"", "Examples:", "  ./optin models --coordinator http://coordinator:8080",
                "  ./optin models minilm-1 --json"})
final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "a registered model name; all models when absent.")
    String name;

    @Mixin
    CoordinatorOption coordinator;

    @Option(names = "--json", description = "print the versions as JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException("NAME must not be blank");
        }
        JsonNode versions = coordinator.client().models(name);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.writePretty(versions));
            return 0;
        }
        if (versions.isEmpty()) {
            out.println("no registered models yet");
            return 0;
        }
        for (JsonNode v : versions) {
            out.println(line(v));
        }
        return 0;
    }

    /** One version on one line: name, version, budget, kept fraction, FLOPs, job, parent, checkpoint. */
    static String line(JsonNode v) {
        JsonNode flops = v.path("flops");
        JsonNode parent = v.path("parent");
        String accuracy = v.hasNonNull("accuracy") ? String.format(Locale.ROOT, ", accuracy %.3f",
                v.path("accuracy").asDouble()) : "";
        return String.format(Locale.ROOT, "%s v%d: budget %s, kept %.3f, MACs %.3g -> %.3g%s, job %s, parent %s%s,"
                        + " checkpoint %s",
                v.path("name").asText(), v.path("version").asInt(), v.path("budget").asText(),
                v.path("kept_fraction").asDouble(), flops.path("total_before").asDouble(),
                flops.path("total_after").asDouble(), accuracy, v.path("job_id").asText(), parent.path("uri").asText(),
                parent.hasNonNull("etag") ? " (ETag " + parent.path("etag").asText() + ")" : "",
                v.path("checkpoint_uri").asText());
    }
}
