package dev.optinfleet.core.eval;

import dev.optinfleet.core.checkpoint.BundledModels;
import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.core.prune.CheckpointSlicer;
import dev.optinfleet.core.testing.TinyModels;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {
    /** Same sequences padded differently or batched differently: float32 rounding only. */
    private static final float FEATURE_TOLERANCE = 1e-4f;

    @Test
    void agreementOfAModelWithItselfIsOne() {
        ModelConfig config = TinyModels.config();
        TokenBatch tokens = TinyModels.batch(10, 8, config.vocabSize(), 3);
        Evaluator evaluator = new Evaluator(FeatureExtractor.forTokenBatches(4));
        try (Encoder enc = Encoder.load(TinyModels.random(config, 21))) {
            assertEquals(1.0, evaluator.agreement(enc, null, enc, null, tokens));
            UnitMask keepAll = UnitMask.all(config.numLayers(), config.numHeads(), config.intermediateSize());
            assertEquals(1.0, evaluator.agreement(enc, null, enc, keepAll, tokens));
            double pruned = evaluator.agreement(enc, null, enc, sparseMask(config), tokens);
            assertTrue(pruned >= 0 && pruned <= 1, "agreement " + pruned);
        }
    }

    @Test
    void accuracyAgainstTheModelsOwnPredictionsIsOneWithADiagonalConfusion() {
        ModelConfig config = TinyModels.config();
        TokenBatch tokens = TinyModels.batch(12, 8, config.vocabSize(), 4);
        Evaluator evaluator = new Evaluator(FeatureExtractor.forTokenBatches(5));
        try (Encoder enc = Encoder.load(TinyModels.random(config, 22))) {
            int[] own = evaluator.predict(enc, null, tokens);
            Accuracy a = evaluator.accuracy(enc, null, tokens, own);
            assertEquals(1.0, a.value());
            assertEquals(12, a.total());
            int[][] confusion = a.confusion();
            for (int t = 0; t < confusion.length; t++) {
                for (int p = 0; p < confusion.length; p++) {
                    assertTrue(t == p || confusion[t][p] == 0);
                }
            }
            int[] shifted = Arrays.stream(own).map(c -> (c + 1) % config.numLabels()).toArray();
            assertEquals(0.0, evaluator.accuracy(enc, null, tokens, shifted).value());
        }
    }

    @Test
    void maskedDenseModelAgreesExactlyWithItsSlicedCheckpoint() {
        ModelConfig config = TinyModels.config();
        Checkpoint dense = TinyModels.random(config, 23);
        UnitMask mask = sparseMask(config);
        TokenBatch tokens = TinyModels.batch(9, 8, config.vocabSize(), 5);
        FeatureExtractor extractor = FeatureExtractor.forTokenBatches(4);
        try (Encoder full = Encoder.load(dense); Encoder sliced = Encoder.load(CheckpointSlicer.slice(dense, mask))) {
            float[][] masked = extractor.logits(full, mask, tokens);
            float[][] small = extractor.logits(sliced, null, tokens);
            for (int i = 0; i < masked.length; i++) {
                assertArrayEquals(masked[i], small[i], FEATURE_TOLERANCE, "row " + i);
            }
            assertEquals(1.0, new Evaluator(extractor).agreement(full, mask, sliced, null, tokens));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> extractor.logits(sliced, mask, tokens));
            assertTrue(e.getMessage().contains("pruned"), e.getMessage());
        }
    }

    @Test
    void featuresDoNotDependOnTheBatchSize() {
        ModelConfig config = TinyModels.config();
        TokenBatch tokens = TinyModels.batch(11, 9, config.vocabSize(), 6);
        try (Encoder enc = Encoder.load(TinyModels.random(config, 24))) {
            float[][] one = FeatureExtractor.forTokenBatches(64).pooled(enc, null, tokens);
            float[][] many = FeatureExtractor.forTokenBatches(3).pooled(enc, null, tokens);
            for (int i = 0; i < one.length; i++) {
                assertArrayEquals(one[i], many[i], FEATURE_TOLERANCE, "row " + i);
            }
        }
    }

    @Test
    void modelWithoutHeadIsRejectedForLogitsNamingTheRemedy() {
        ModelConfig encoderOnly = ModelConfig.dense("bert", 50, 16, 3, 4, 24, 32, 2, 1e-12, Pooling.MEAN, 0,
                List.of());
        TokenBatch tokens = TinyModels.batch(2, 4, 50, 1);
        try (Encoder enc = Encoder.load(TinyModels.random(encoderOnly, 2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Evaluator(FeatureExtractor.forTokenBatches(4)).predict(enc, null, tokens));
            assertTrue(e.getMessage().contains("LinearProbe"), e.getMessage());
        }
    }

    /**
     * The text path end to end with the real MiniLM tokenizer (no MiniLM weights): texts and pairs tokenised per
     * batch, features independent of how they were batched and padded, a probe attached and scored by label name.
     */
    @Test
    void textsGiveTheSameFeaturesWhateverTheBatchingAndScoreByLabelName(@TempDir Path dir) {
        ModelConfig encoderOnly = ModelConfig.dense("bert", 30522, 16, 2, 4, 24, 512, 2, 1e-12, Pooling.MEAN, 0,
                List.of());
        Checkpoint base = TinyModels.random(encoderOnly, 7);
        List<String> texts = List.of("real-time strategy game of ancient warfare", "audio editor",
                "raster graphics editor with layers and many plugins", "molecular dynamics simulation",
                "a puzzle game", "MIDI sequencer");
        List<String> labels = List.of("games", "sound", "graphics", "science", "games", "sound");
        LabelledSet set = new LabelledSet("inline", texts,
                Arrays.asList(null, "for JACK", null, null, null, null), labels);
        try (TextTokenizer tokenizer = TextTokenizer.load(BundledModels.MINILM_L6.tokenizer(dir), 512);
             Encoder enc = Encoder.load(base)) {
            float[][] together = new FeatureExtractor(tokenizer, 32).pooled(enc, null, set);
            float[][] apart = new FeatureExtractor(tokenizer, 2).pooled(enc, null, set);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(together[i], apart[i], FEATURE_TOLERANCE, "row " + i);
            }
            float[][] single = new FeatureExtractor(tokenizer, 32).pooled(enc, null, texts, null);
            assertNotEquals(Arrays.toString(single[1]), Arrays.toString(together[1]),
                    "the second segment must change the features");

            List<String> classes = set.labelNames();
            LinearProbe probe = LinearProbe.fit(together, set, classes, LinearProbe.Settings.defaults());
            try (Encoder headed = Encoder.load(probe.withHead(base, Pooling.MEAN, classes))) {
                Evaluator evaluator = new Evaluator(new FeatureExtractor(tokenizer, 4));
                Accuracy a = evaluator.accuracy(headed, null, set);
                assertEquals(probe.accuracy(together, set.labelIndices(classes)), a.value());
                assertEquals(1.0, evaluator.agreement(headed, null, headed, null, set));
            }
        }
    }

    /** Removes head 1 and every even neuron of layer 0 and all heads of layer 2. */
    private static UnitMask sparseMask(ModelConfig config) {
        UnitMask m = UnitMask.all(config.numLayers(), config.numHeads(), config.intermediateSize());
        m = m.withoutHead(0, 1);
        for (int i = 0; i < config.intermediateSize(); i += 2) {
            m = m.withoutNeuron(0, i);
        }
        for (int h = 0; h < config.numHeads(); h++) {
            m = m.withoutHead(2, h);
        }
        return m;
    }
}
