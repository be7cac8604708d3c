package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.fleet.CoordinatorClient;
import dev.optinfleet.cli.fleet.EmbeddedFleet;
import dev.optinfleet.cli.fleet.FleetJob;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.schemas.job.ScoringSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs a whole pruning job on a local fleet: an in-process Kafka broker, an S3 server, the"
                + " coordinator and workers; prunes the real all-MiniLM-L6-v2 from Maven Central on real text.",
        footer = {"", "Example:", "  ./optin demo", "  ./optin demo --workers 3 --budget 0.7"})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "2", description = "worker processes (default 2).")
    int workers;

    @Option(names = "--budget", description = "kept fraction of prunable FLOPs; repeat (default 0.6 and 0.5).")
    List<Double> budgets;

    @Option(names = "--scorer", defaultValue = ScorerKind.DEFAULT_NAME,
            description = "fisher_trajectory (default), fisher, output or trajectory (exact scorers take minutes to"
                    + " hours on a CPU).")
    String scorer;

    @Option(names = "--out", defaultValue = "out/demo", description = "where outputs are downloaded (default"
            + " out/demo).")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<Double> checked = Budgets.check(budgets == null ? List.of(0.6, 0.5) : budgets);
        var err = spec.commandLine().getErr();
        var stdout = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("optin-demo-");
        Path home = Launcher.home();
        ModelLocation model = ModelLocation.resolve(ModelLocation.BUNDLED_MINILM, null);
        List<Path> shards = demoShards(work);
        try (EmbeddedFleet fleet = EmbeddedFleet.start(home, work, workers, err::println)) {
            err.println("uploading all-MiniLM-L6-v2 and " + shards.size() + " calibration shards to "
                    + "s3://models and s3://calibration...");
            FleetJob.Inputs inputs = FleetJob.upload(fleet.store(), "all-minilm-l6-v2", model.model(),
                    model.tokenizer(), shards);
            CoordinatorClient client = fleet.client();
            String jobId = client.submit(FleetJob.request("all-minilm-l6-v2", inputs, checked,
                    ScoringSpec.of(scorer), null, null, "cli"));
            err.println("job " + jobId + " submitted to " + fleet.coordinatorUrl());
            JsonNode status;
            try (JobProgressBar bar = new JobProgressBar(jobId)) {
                status = FleetJob.await(client, jobId, Duration.ofHours(6), bar::update);
            }
            List<Path> files = FleetJob.download(fleet.store(), status, out);
            stdout.println("job " + jobId + " done; " + files.size() + " files downloaded to " + out);
            stdout.println("scores:  " + status.path("scores_uri").asText());
            for (JsonNode r : status.path("results")) {
                stdout.printf("budget %s: kept %.3f of prunable FLOPs, %d heads, %d neurons%n", r.path("budget")
                        .asText(), r.path("kept_fraction").asDouble(), r.path("kept_heads").asInt(),
                        r.path("kept_neurons").asInt());
                Path local = out.resolve(JobOutputs.budgetDirName(r.path("budget").asDouble()));
                stdout.println("  mask:       " + r.path("mask_uri").asText() + "  (" + local.resolve(
                        JobOutputs.MASK_FILE) + ")");
                stdout.println("  checkpoint: " + r.path("checkpoint_uri").asText() + "  (" + local + ")");
            }
            if (status.hasNonNull("report_uri")) {
                stdout.println("report:  " + status.path("report_uri").asText() + "  (" + out.resolve("report.html")
                        + ")");
            }
            stdout.println("local copy: " + out.toAbsolutePath());
            stdout.println("logs of the fleet's processes: " + fleet.logs());
        }
        return 0;
    }

    /** Two shards of 16 real texts (Debian package descriptions) that ship with the CLI. */
    private static List<Path> demoShards(Path work) throws Exception {
        List<Path> shards = new ArrayList<>();
        for (String name : List.of("shard-00000.jsonl", "shard-00001.jsonl")) {
            Path target = work.resolve(name);
            try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/" + name)) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            shards.add(target);
        }
        return shards;
    }
}
