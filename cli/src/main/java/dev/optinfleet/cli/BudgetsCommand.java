package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.schemas.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "budgets", mixinStandardHelpOptions = true,
        description = "Answers new budgets of a finished job from its stored scores (no rescoring).",
        footer = {"", "Example:", "  ./optin budgets 3f2c... --budget 0.45 --coordinator http://coordinator:8080"})
final class BudgetsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB", description = "job id.")
    String job;

    @Option(names = "--budget", required = true, description = "kept fraction of prunable FLOPs; repeatable.")
    List<Double> budgets;

    @Mixin
    CoordinatorOption coordinator;

    @Override
    public Integer call() {
        var client = coordinator.client();
        for (double b : Budgets.check(budgets)) {
            JsonNode mask = client.budget(job, b);
            spec.commandLine().getOut().println(Json.write(mask));
        }
        return 0;
    }
}
