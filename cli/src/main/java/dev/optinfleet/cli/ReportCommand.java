package dev.optinfleet.cli;

import dev.optinfleet.core.eval.Evaluator;
import dev.optinfleet.core.eval.FeatureExtractor;
import dev.optinfleet.core.eval.LabelledSet;
import dev.optinfleet.core.eval.LabelledSetReader;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.report.Evaluation;
import java.util.Map;
import java.util.TreeMap;
import com.fasterxml.jackson.databind.JsonNode;
import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.budget.SolvedMask;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.pipeline.JobOutputs;
import dev.optinfleet.report.ReportData;
import dev.optinfleet.report.ReportWriter;
import dev.optinfleet.schemas.MalformedMessageException;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskFormatException;
import dev.optinfleet.schemas.mask.MaskJson;
import dev.optinfleet.schemas.scores.ScoresDocument;
import dev.optinfleet.storage.ObjectStore;
import dev.optinfleet.storage.S3Uri;
import dev.optinfleet.storage.StorageSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code optin report}: a job's report.html, either downloaded from the fleet (the {@code report_uri} of the job's
 * status, from object storage configured by S3_ENDPOINT / S3_ACCESS_KEY / S3_SECRET_KEY) or regenerated from a local
 * prune's output directory (its scores.json and budget-&lt;b&gt;/mask.json files, and the dense model).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes a job's report.html into --out: downloaded from the fleet for a JOB id, or regenerated"
                + " from a local prune's scores.json.",
        footer = {"", "Examples:",
                "  ./optin report 3f2c... --coordinator http://coordinator:8080 --out reports/",
                "  ./optin report --scores out/scores.json --model bundled:minilm --out out/",
                "  ./optin report --scores out/scores.json --model bundled:minilm --budget 0.4 --out /tmp/r/",
                "  ./optin report --scores out/scores.json --model bundled:minilm --data texts.jsonl --out out/"})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB", arity = "0..1", description = "job id on the fleet (with --coordinator).")
    String job;

    @Option(names = "--scores", description = "scores.json of a local prune; its budget-*/mask.json are read from"
            + " the same directory.")
    Path scores;

    @Option(names = "--model", description = "the dense model the scores belong to (with --scores): checkpoint"
            + " directory, ONNX file, or bundled:minilm.")
    String model;

    @Option(names = "--budget", description = "a further budget in (0, 1] to solve from the scores and show (with"
            + " --scores); repeat for more.")
    List<Double> budgets;

    @Option(names = "--data", description = "JSON Lines to evaluate every budget on (with --scores): accuracy when"
            + " every line has a \"label\" and the model has a classifier, else agreement with the dense model's"
            + " predictions (argmax, or nearest neighbour of pooled embeddings without a classifier).")
    Path data;

    @Option(names = "--out", required = true, description = "directory for report.html.")
    Path out;

    @Mixin
    CoordinatorOption coordinator;

    @Override
    public Integer call() throws Exception {
        if (job != null && scores != null) {
            throw new IllegalArgumentException("give either a JOB id or --scores, not both");
        }
        if (job == null && scores == null) {
            throw new IllegalArgumentException("give a JOB id (with --coordinator) or --scores FILE --model PATH");
        }
        Path written = job != null ? download() : regenerate();
        spec.commandLine().getOut().println("report: " + written);
        return 0;
    }

    private Path download() {
        if (budgets != null || model != null || data != null) {
            throw new IllegalArgumentException("--model, --budget and --data go with --scores; a fleet job's report is"
                    + " downloaded as it is");
        }
        // The coordinator first: an unknown job or a coordinator that is down is reported before storage is needed.
        S3Uri report = reportUri(coordinator.client().status(job), job);
        try (ObjectStore store = new ObjectStore(StorageSettings.fromEnvironment())) {
            return download(store, report, out);
        }
    }

    /**
     * Where a job's report is, from its status document.
     *
     * @throws IllegalStateException when the job has no report yet
     */
    static S3Uri reportUri(JsonNode status, String job) {
        String uri = status.path("report_uri").asText("");
        if (uri.isEmpty()) {
            throw new IllegalStateException("job " + job + " has no report yet (state "
                    + status.path("state").asText("unknown") + "); it is written when the job is done");
        }
        try {
            return S3Uri.parse(uri).requireObject();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("job " + job + " has a report_uri that is not an s3:// object: " + uri, e);
        }
    }

    /** Downloads the report into {@code dir/report.html}, atomically. */
    static Path download(ObjectStore store, S3Uri report, Path dir) {
        Path target = dir.resolve(ReportWriter.FILE_NAME);
        store.getToFile(report, target);
        return target;
    }

    private Path regenerate() throws IOException {
        if (!Files.isRegularFile(scores)) {
            throw new IllegalArgumentException("scores file " + scores + " does not exist");
        }
        if (model == null) {
            throw new IllegalArgumentException("--model is required with --scores: the dense model " + scores
                    + " was made for");
        }
        List<Double> extra = budgets == null ? List.of() : Budgets.check(budgets);
        ScoresDocument doc;
        try {
            doc = JobOutputs.readScores(scores);
        } catch (MalformedMessageException e) {
            throw new IllegalArgumentException(scores + " is not a scores.json: " + e.getMessage(), e);
        }
        Checkpoint dense = load(model);
        List<MaskDocument> masks = new ArrayList<>(readMasks(scores.toAbsolutePath().getParent()));
        FlopModel flops = FlopModel.of(dense.config(), doc.tokensPerSequence(), dense.hasPooler());
        String scorer = String.valueOf(doc.settings().get("scorer"));
        for (double b : extra) {
            SolvedMask solved = JobOutputs.solve(doc, flops, b);
            masks.add(MaskDocuments.of(doc.modelName(), doc.weightsSha256(), solved, flops, scorer, doc.settings()));
        }
        Evaluation evaluation = data == null ? null : evaluate(dense, masks);
        return ReportWriter.write(ReportData.from(doc, dense, masks, null, evaluation), out);
    }

    /** Every budget's mask applied to the dense model (equal to the sliced model, tested in core), on --data. */
    private Evaluation evaluate(Checkpoint dense, List<MaskDocument> masks) {
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("data file " + data + " does not exist");
        }
        LabelledSet set = LabelledSetReader.read(data);
        boolean classifier = dense.config().hasClassifier();
        boolean accuracy = set.isLabelled() && classifier;
        Path tokenizer = ModelLocation.resolve(model, null).tokenizer();
        Map<Double, Double> byBudget = new TreeMap<>();
        try (TextTokenizer t = TextTokenizer.load(tokenizer, dense.config().maxPositions());
             Encoder encoder = Encoder.load(dense)) {
            FeatureExtractor features = new FeatureExtractor(t, FeatureExtractor.DEFAULT_BATCH_SIZE);
            Evaluator evaluator = new Evaluator(features);
            float[][] densePooled = classifier ? null : features.pooled(encoder, null, set);
            for (MaskDocument m : masks) {
                UnitMask mask = MaskDocuments.toUnitMask(m, dense.config());
                double value;
                if (accuracy) {
                    value = evaluator.accuracy(encoder, mask, set).value();
                } else if (classifier) {
                    value = evaluator.agreement(encoder, mask, encoder, null, set);
                } else {
                    value = NeighbourAgreement.of(features.pooled(encoder, mask, set), densePooled);
                }
                byBudget.put(m.budget(), value);
            }
            double denseValue = accuracy ? evaluator.accuracy(encoder, null, set).value() : 1.0;
            return Evaluation.of(accuracy ? "accuracy" : "agreement", data.getFileName().toString(), denseValue,
                    byBudget);
        }
    }

    /** Every budget-*&#47;mask.json next to scores.json, in name order. */
    private static List<MaskDocument> readMasks(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("budget-"))
                    .map(p -> p.resolve(JobOutputs.MASK_FILE)).filter(Files::isRegularFile).sorted().toList();
        }
        List<MaskDocument> masks = new ArrayList<>();
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                masks.add(MaskJson.read(in));
            } catch (MaskFormatException e) {
                throw new IllegalArgumentException(f + " is not a valid mask.json: " + e.getMessage(), e);
            }
        }
        return masks;
    }

    private static Checkpoint load(String spec) {
        if (spec.startsWith("bundled:")) {
            return ModelLocation.resolve(spec, null).load();
        }
        Path p = Path.of(spec);
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("model " + p + " does not exist");
        }
        return CheckpointLoader.load(p);
    }
}
