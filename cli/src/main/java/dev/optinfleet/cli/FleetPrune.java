package dev.optinfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.cli.fleet.CoordinatorClient;
import dev.optinfleet.cli.fleet.EmbeddedFleet;
import dev.optinfleet.cli.fleet.FleetJob;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.reconstruct.Repair;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.job.ScoringSpec;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.StorageSettings;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code optin prune} on a fleet: the embedded one (started for this job and stopped after it) or a running one
 * ({@code --coordinator URL}, storage from S3_ENDPOINT / S3_ACCESS_KEY / S3_SECRET_KEY). Outputs are downloaded to
 * {@code --out} either way.
 */
final class FleetPrune {
    private final CommandSpec spec;
    private final ModelLocation location;
    private final List<Path> calibration;
    private final List<Double> budgets;
    private final ScoringOptions scoring;
    private final Path out;
    private final boolean json;
    private final Repair repair;

    FleetPrune(CommandSpec spec, ModelLocation location, List<Path> calibration, List<Double> budgets,
               ScoringOptions scoring, Path out, boolean json, Repair repair) {
        this.repair = repair;
        this.spec = spec;
        this.location = location;
        this.calibration = calibration;
        this.budgets = budgets;
        this.scoring = scoring;
        this.out = out;
        this.json = json;
    }

    int run(CoordinatorClient remote, int workers) throws Exception {
        // Load once here: a corrupt or unsupported checkpoint is bad input, reported before anything starts.
        Checkpoint checkpoint = location.load();
        String name = checkpoint.name().replaceAll("[^A-Za-z0-9._-]", "-").toLowerCase(java.util.Locale.ROOT);
        if (remote != null) {
            try (ObjectStore store = new ObjectStore(StorageSettings.fromEnvironment())) {
                return submit(remote, store, name);
            }
        }
        Path work = Files.createTempDirectory("optin-fleet-");
        try (EmbeddedFleet fleet = EmbeddedFleet.start(Launcher.home(), work, workers,
                json ? s -> { } : spec.commandLine().getErr()::println)) {
            return submit(fleet.client(), fleet.store(), name);
        }
    }

    private int submit(CoordinatorClient client, ObjectStore store, String name) throws Exception {
        FleetJob.Inputs inputs = FleetJob.upload(store, name, location.model(), location.tokenizer(), calibration);
        ScoringSpec spec0 = new ScoringSpec(scoring.scorer, null, scoring.lambda, null, null, null, scoring.seed,
                scoring.maxSamples, null, null, null, scoring.maxLengthOrNull());
        // The task sizes as given; null lets the coordinator apply its configured default.
        String jobId = client.submit(FleetJob.request(name, inputs, budgets, spec0, scoring.neuronsPerTask,
                scoring.samplesPerTask, "cli").withRepair(repair.wireName()));
        JsonNode status;
        if (json) {
            status = FleetJob.await(client, jobId, Duration.ofDays(2), s -> { });
        } else {
            spec.commandLine().getErr().println("job " + jobId);
            try (JobProgressBar bar = new JobProgressBar(jobId)) {
                status = FleetJob.await(client, jobId, Duration.ofDays(2), bar::update);
            }
        }
        FleetJob.download(store, status, out);
        if (json) {
            spec.commandLine().getOut().println(Json.writePretty(status));
        } else {
            var stdout = spec.commandLine().getOut();
            stdout.println("job " + jobId + " done; outputs in " + out);
            for (JsonNode r : status.path("results")) {
                stdout.printf("budget %s: kept %.3f of prunable FLOPs, %d heads, %d neurons%n",
                        r.path("budget").asText(), r.path("kept_fraction").asDouble(), r.path("kept_heads").asInt(),
                        r.path("kept_neurons").asInt());
            }
        }
        return 0;
    }
}
