package dev.optinfleet.cli;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.HfCheckpointReader;
import dev.optinfleet.core.checkpoint.onnx.OnnxExport;
import dev.optinfleet.core.checkpoint.onnx.OnnxExporter;
import dev.optinfleet.core.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Exports a dense or pruned checkpoint as model.onnx (opset 17, each layer with its own head"
                + " count and FFN width) for any ONNX runtime, with its tokenizer.json.",
        footer = {"", "Example:",
                "  ./optin export --model out/budget-0.6 --out onnx/budget-0.6"})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "checkpoint directory (config.json + model.safetensors), ONNX file, or bundled:minilm.")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.json to copy next to model.onnx (default: the model's).")
    Path tokenizer;

    @Option(names = "--out", required = true, description = "directory for model.onnx.")
    Path out;

    @Override
    public Integer call() throws Exception {
        ModelLocation location = ModelLocation.resolve(model, tokenizer);
        // Loading validates the config and every tensor against it before anything is written.
        Checkpoint checkpoint = location.load();
        OnnxExport export = OnnxExporter.export(checkpoint, out);
        Path tokenizerCopy = out.resolve(HfCheckpointReader.TOKENIZER_FILE);
        if (!Files.exists(tokenizerCopy) || !Files.isSameFile(location.tokenizer(), tokenizerCopy)) {
            AtomicFiles.copy(location.tokenizer(), tokenizerCopy);
        }
        spec.commandLine().getOut().printf("wrote %s (%.1f MB, opset %d): heads per layer %s, FFN widths %s%n",
                export.model(), export.bytes() / 1e6, OnnxExporter.OPSET,
                java.util.Arrays.toString(checkpoint.config().headsPerLayer()),
                java.util.Arrays.toString(checkpoint.config().intermediatePerLayer()));
        return 0;
    }
}
