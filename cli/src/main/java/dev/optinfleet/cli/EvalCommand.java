package dev.optinfleet.cli;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.eval.Evaluator;
import dev.optinfleet.core.eval.FeatureExtractor;
import dev.optinfleet.core.eval.LabelledSet;
import dev.optinfleet.core.eval.LabelledSetReader;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.schemas.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Accuracy of a model with a classifier on labelled JSON Lines, and/or its agreement with a"
                + " reference model. Without classifiers, agreement is nearest-neighbour agreement: the share of"
                + " texts whose most similar other text (cosine of pooled embeddings) is the same for both models.",
        footer = {"", "Examples:",
                "  ./optin eval --model out/minilm/budget-0.5 --reference bundled:minilm --data texts.jsonl",
                "  ./optin eval --model my-classifier/ --data test.jsonl --json"})
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "checkpoint directory, ONNX file or bundled:minilm.")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.json (default: next to the model).")
    Path tokenizer;

    @Option(names = "--reference", description = "reference model to compare predictions with (e.g. the dense"
            + " parent).")
    String reference;

    @Option(names = "--data", required = true, description = "JSON Lines with \"text\" (and \"label\" for"
            + " accuracy).")
    Path data;

    @Option(names = "--json", description = "print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("data file " + data + " does not exist");
        }
        LabelledSet set = LabelledSetReader.read(data);
        ModelLocation location = ModelLocation.resolve(model, tokenizer);
        Checkpoint checkpoint = location.load();
        if (reference == null && !(set.isLabelled() && checkpoint.config().hasClassifier())) {
            throw new IllegalArgumentException(data + " has no labels or " + model + " has no classifier, and no"
                    + " --reference was given: nothing to measure");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("samples", set.size());
        try (TextTokenizer t = TextTokenizer.load(location.tokenizer(), checkpoint.config().maxPositions());
             Encoder encoder = Encoder.load(checkpoint)) {
            FeatureExtractor features = new FeatureExtractor(t, FeatureExtractor.DEFAULT_BATCH_SIZE);
            Evaluator evaluator = new Evaluator(features);
            if (set.isLabelled() && checkpoint.config().hasClassifier()) {
                result.put("accuracy", evaluator.accuracy(encoder, null, set).value());
            }
            if (reference != null) {
                ModelLocation refLocation = ModelLocation.resolve(reference, null);
                Checkpoint ref = refLocation.load();
                try (Encoder refEncoder = Encoder.load(ref)) {
                    if (checkpoint.config().hasClassifier() && ref.config().hasClassifier()) {
                        result.put("agreement", evaluator.agreement(encoder, null, refEncoder, null, set));
                        result.put("agreement_kind", "argmax of the logits");
                    } else {
                        result.put("agreement", NeighbourAgreement.of(features.pooled(encoder, null, set),
                                features.pooled(refEncoder, null, set)));
                        result.put("agreement_kind", "nearest neighbour by cosine of pooled embeddings");
                    }
                }
            }
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.writePretty(result));
        } else {
            result.forEach((k, v) -> out.println(k + ": " + (v instanceof Double d ? String.format("%.4f", d) : v)));
        }
        return 0;
    }
}
