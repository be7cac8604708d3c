package dev.optinfleet.bench;

import dev.optinfleet.core.calibration.CalibrationReader;
import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.checkpoint.CheckpointLoader;
import dev.optinfleet.core.eval.Evaluator;
import dev.optinfleet.core.eval.FeatureExtractor;
import dev.optinfleet.core.eval.LabelledSet;
import dev.optinfleet.core.eval.LabelledSetReader;
import dev.optinfleet.core.eval.LinearProbe;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The labelled task the quality benchmarks prune for: MiniLM with a linear head trained on frozen dense features of
 * the train texts minus a validation split, the test split, the calibration file, and one FLOP model (the mean
 * length of the whole calibration file) so that a budget means the same model size for every scorer.
 */
final class QualityTask implements AutoCloseable {
    static final int VALIDATION_TEXTS = 300;
    static final long VALIDATION_SEED = 2026;

    final TextTokenizer tokenizer;
    final Checkpoint model;
    final LabelledSet train;
    final LabelledSet validation;
    final LabelledSet test;
    final CalibrationShard calibration;
    final FlopModel flops;
    final Evaluator evaluator;

    private QualityTask(TextTokenizer tokenizer, Checkpoint model, LabelledSet train, LabelledSet validation,
                        LabelledSet test, CalibrationShard calibration, FlopModel flops, Evaluator evaluator) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.calibration = calibration;
        this.flops = flops;
        this.evaluator = evaluator;
    }

    /** Loads the data and the model and trains the head; prints what it built. */
    static QualityTask load() {
        return load(BenchData.dir());
    }

    /** The same for the task in {@code dataDir} (train.jsonl, test.jsonl, calibration.jsonl). */
    static QualityTask load(Path dataDir) {
        Path models = Path.of(System.getProperty("optin.models", "target/models"));
        Checkpoint encoderOnly = CheckpointLoader.load(BundledModels.MINILM_L6.onnx(models));
        CalibrationShard all = CalibrationReader.read(BenchData.calibration(dataDir));
        LabelledSet[] split = splitValidation(LabelledSetReader.readLabelled(BenchData.train(dataDir)), all);
        LabelledSet train = split[0];
        LabelledSet test = LabelledSetReader.readLabelled(BenchData.test(dataDir));
        List<String> classes = train.labelNames();
        TextTokenizer tokenizer = TextTokenizer.load(BundledModels.MINILM_L6.tokenizer(models),
                encoderOnly.config().maxPositions());
        try {
            FeatureExtractor features = new FeatureExtractor(tokenizer, 32);
            long t0 = System.nanoTime();
            LinearProbe probe;
            try (Encoder enc = Encoder.load(encoderOnly)) {
                probe = LinearProbe.fit(features.pooled(enc, null, train), train, classes,
                        LinearProbe.Settings.defaults());
            }
            Checkpoint model = probe.withHead(encoderOnly, Pooling.MEAN, classes);
            System.out.printf("task: %d train / %d validation / %d test texts, classes %s; head trained in %.1f s%n",
                    train.size(), split[1].size(), test.size(), classes, (System.nanoTime() - t0) / 1e9);
            int[] lengths = LengthBuckets.split(all, tokenizer, 4).stream()
                    .flatMapToInt(b -> java.util.Arrays.stream(b.lengths())).toArray();
            FlopModel flops = FlopModel.fromLengths(model.config(), lengths, model.hasPooler());
            System.out.printf("FLOP model: mean length %.1f tokens of all %d calibration texts%n",
                    java.util.Arrays.stream(lengths).average().orElse(0), lengths.length);
            return new QualityTask(tokenizer, model, train, split[1], test, all, flops, new Evaluator(features));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Draw d: the calibration file in the order of a shuffle seeded by d (draw 0 is the file's own order), then the
     * other head-training texts, labels dropped, in a shuffle seeded by d. Only {@code fisher} runs on more samples
     * than the calibration file has; those texts are the same distribution (the file was drawn from them), never
     * validation ones, and scoring never sees a label.
     */
    CalibrationShard draw(int d) {
        List<String> texts = new ArrayList<>(calibration.texts());
        List<String> more = new ArrayList<>(train.texts());
        more.removeAll(new HashSet<>(texts));
        if (d > 0) {
            Collections.shuffle(texts, new Random(d));
        }
        Collections.shuffle(more, new Random(d));
        texts.addAll(more);
        return CalibrationShard.of(calibration.source() + " and unlabelled train texts (draw " + d + ")", texts);
    }

    /** The first {@code samples} texts of a draw in 4 length-sorted shards, as the fleet's uploads would be. */
    List<TokenBatch> shards(CalibrationShard drawn, int samples) {
        if (samples > drawn.size()) {
            throw new IllegalArgumentException(samples + " calibration samples asked, the benchmark has "
                    + drawn.size());
        }
        List<TokenBatch> shards = LengthBuckets.split(drawn.first(samples), tokenizer, 4);
        System.out.printf("calibration: %d unlabelled samples in %d length-sorted shards (padded to %s tokens)%n",
                samples, shards.size(), shards.stream().map(b -> Integer.toString(b.sequenceLength())).toList());
        return shards;
    }

    /**
     * The validation split: {@link #VALIDATION_TEXTS} train texts outside the calibration file, drawn by a fixed
     * seed; the head is trained on the rest. Choices (which lambda, which default) are made on it, never on test.
     *
     * @return {train without validation, validation}
     */
    static LabelledSet[] splitValidation(LabelledSet train, CalibrationShard calibration) {
        Set<String> calibrationTexts = new HashSet<>(calibration.texts());
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            if (!calibrationTexts.contains(train.texts().get(i))) {
                candidates.add(i);
            }
        }
        Collections.shuffle(candidates, new Random(VALIDATION_SEED));
        Set<Integer> held = new HashSet<>(candidates.subList(0, VALIDATION_TEXTS));
        List<String> fitTexts = new ArrayList<>();
        List<String> fitLabels = new ArrayList<>();
        List<String> heldTexts = new ArrayList<>();
        List<String> heldLabels = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            boolean h = held.contains(i);
            (h ? heldTexts : fitTexts).add(train.texts().get(i));
            (h ? heldLabels : fitLabels).add(train.labels().get(i));
        }
        return new LabelledSet[] {LabelledSet.of(train.source() + " (head)", fitTexts, fitLabels),
                LabelledSet.of(train.source() + " (validation)", heldTexts, heldLabels)};
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
