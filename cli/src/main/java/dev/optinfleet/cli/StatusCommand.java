package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows a job's state and progress.",
        footer = {"", "Example:", "  ./optin status 3f2c... --coordinator http://coordinator:8080"})
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB", description = "job id.")
    String job;

    @Mixin
    CoordinatorOption coordinator;

    @Option(names = "--json", description = "print the status document as JSON.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode s = coordinator.client().status(job);
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.writePretty(s));
            return 0;
        }
        out.printf("job %s: %s, %d/%d tasks, %d units scored%n", job, s.path("state").asText(),
                s.path("tasks_done").asLong(), s.path("tasks_total").asLong(), s.path("units_scored").asLong());
        if (s.hasNonNull("error")) {
            out.println("error: " + s.path("error").asText());
        }
        for (JsonNode r : s.path("results")) {
            out.printf("budget %s: kept %.3f, mask %s%n", r.path("budget").asText(), r.path("kept_fraction")
                    .asDouble(), r.path("mask_uri").asText());
        }
        return 0;
    }
}
