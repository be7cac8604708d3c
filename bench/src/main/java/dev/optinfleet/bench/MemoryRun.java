package dev.optinfleet.bench;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.memory.MemoryBudget;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringContext;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.ScoringTask;
import dev.optinfleet.core.scoring.TaskRunner;
import dev.optinfleet.core.scoring.TeacherPass;
import dev.optinfleet.core.scoring.UnitKind;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One row of {@link MemoryBenchmark}, in its own JVM so that its peak resident memory (VmHWM) is its own:
 * {@code <minilm|e5> <scorer> <tokens> <samples> <budget> [exactUnits]}. Prints one {@code RESULT} line.
 *
 * <p>Texts: the calibration file's texts, each joined with the ones after it until it is longer than
 * {@code tokens}, then cut there by the tokenizer: every sample is exactly {@code tokens} long. Gradient scorers
 * score every unit; exact scorers score the first {@code exactUnits} heads of layer 0 (the costliest units: they
 * re-run every layer), and the time is extrapolated to all units by the printed factor.
 */
public final class MemoryRun {
    public static void main(String[] args) throws Exception {
        String model = args[0];
        ScorerKind scorer = ScorerKind.fromWireName(args[1]);
        int tokens = Integer.parseInt(args[2]);
        int samples = Integer.parseInt(args[3]);
        MemoryBudget budget = MemoryBudget.parse(args[4], "budget");
        int exactUnits = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        Path models = Path.of(System.getProperty("optin.models", "bench/target/models"));
        BundledModels.Bundle bundled = model.equals("e5") ? BundledModels.E5_SMALL_V2 : BundledModels.MINILM_L6;
        Checkpoint dense = CheckpointLoader.load(bundled.onnx(models));
        TokenBatch batch;
        try (TextTokenizer t = TextTokenizer.load(bundled.tokenizer(models), tokens)) {
            batch = t.encode(longTexts(CalibrationReader.read(BenchData.calibration()), samples, tokens));
        }
        ScoringSettings settings = ScoringSettings.defaults(scorer).withMaxSamples(samples);
        long start;
        double extrapolate = 1;
        long passBytes;
        int perPass = 0;
        try (Encoder encoder = Encoder.load(dense)) {
            ScoringContext context = ScoringContext.of(budget, encoder, null);
            passBytes = context.passBytes();
            start = System.nanoTime();
            if (scorer.gradient()) {
                perPass = dev.optinfleet.core.scoring.GradientMemory.samplesPerPass(dense.config(),
                        batch.sequenceLength(), scorer == ScorerKind.FISHER_TRAJECTORY, passBytes,
                        settings.fisherBatch());
                TaskRunner.run(new ScoringTask.GradientBatch(0, 0, batch.size()), encoder, batch, null, settings,
                        context);
            } else {
                var c = dense.config();
                int units = Math.min(exactUnits, c.numHeads());
                try (TeacherPass teacher = new TeacherPass(encoder, batch, settings, context)) {
                    TaskRunner.run(new ScoringTask.UnitRange(0, 0, UnitKind.HEAD, 0, units), encoder, batch, teacher,
                            settings, context);
                }
                extrapolate = (double) c.numLayers() * (c.numHeads() + c.intermediateSize()) / units;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT seconds=%.2f extrapolate=%.1f hwm=%d passBytes=%d length=%d"
                        + " samples=%d perPass=%s%n", seconds, extrapolate, peakResident(), passBytes,
                batch.sequenceLength(), batch.size(), perPass == 0 ? "-" : Integer.toString(perPass));
    }

    static List<String> longTexts(CalibrationShard shard, int samples, int tokens) {
        List<String> texts = shard.texts();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = i; b.length() < tokens * 8; k++) {
                b.append(texts.get(k % texts.size())).append(' ');
            }
            out.add(b.toString());
        }
        return out;
    }

    /** VmHWM of this process in bytes. */
    static long peakResident() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
