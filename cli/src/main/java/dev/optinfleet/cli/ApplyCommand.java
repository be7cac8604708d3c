package dev.optinfleet.cli;

import dev.optinfleet.core.budget.MaskDocuments;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointWriter;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Slices a dense model with a given mask.json into a physically smaller checkpoint.",
        footer = {"", "Example:",
                "  ./optin apply --model bundled:minilm --mask out/budget-0.6/mask.json --out small/"})
final class ApplyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "dense checkpoint directory, ONNX file, or bundled:minilm.")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.json to copy next to the result (default: the model's).")
    Path tokenizer;

    @Option(names = "--mask", required = true, description = "mask.json written by prune.")
    Path mask;

    @Option(names = "--out", required = true, description = "directory for the smaller checkpoint.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(mask)) {
            throw new IllegalArgumentException("mask file " + mask + " does not exist");
        }
        ModelLocation location = ModelLocation.resolve(model, tokenizer);
        Checkpoint dense = location.load();
        MaskDocument doc;
        try (InputStream in = Files.newInputStream(mask)) {
            doc = MaskJson.read(in);
        }
        if (!doc.model().weightsSha256().equals(dense.weightsSha256())) {
            spec.commandLine().getErr().println("warning: " + mask + " was made for weights "
                    + doc.model().weightsSha256() + " (" + doc.model().name() + "), not these ("
                    + dense.weightsSha256() + ")");
        }
        if (!doc.reconstruction().repair().equals("none")) {
            // apply has no calibration texts, so it cannot redo the refit: say what the output lacks
            spec.commandLine().getErr().println("warning: " + mask + " records repair '"
                    + doc.reconstruction().repair() + "' (weights refit on " + doc.reconstruction().tokens()
                    + " calibration tokens); apply only slices the dense weights, so this checkpoint lacks the"
                    + " refit: use the pruned checkpoint written next to the mask, or prune again with --repair");
        }
        UnitMask unitMask = MaskDocuments.toUnitMask(doc, dense.config());
        Checkpoint small = CheckpointSlicer.slice(dense, unitMask);
        CheckpointWriter.write(small, out, location.tokenizer());
        spec.commandLine().getOut().printf("wrote %s: %d of %d heads, %d of %d neurons, %d parameters (dense %d)%n",
                out, unitMask.keptHeadCount(), unitMask.layers() * unitMask.headsPerLayer(),
                unitMask.keptNeuronCount(), unitMask.layers() * unitMask.neuronsPerLayer(), small.parameterCount(),
                dense.parameterCount());
        return 0;
    }
}
