package dev.optinfleet.core.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.optinfleet.core.flops.FlopModel;
import dev.optinfleet.core.flops.FlopReport;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.ModelConfig;
import dev.optinfleet.core.model.Pooling;
import dev.optinfleet.schemas.mask.MaskDocument;
import dev.optinfleet.schemas.mask.MaskJson;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskDocumentsTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void generatedMaskJsonOfBertBaseIsSchemaValidAndRoundTrips() throws Exception {
        ModelConfig config = BudgetSolverTest.bertBase();
        FlopModel flops = FlopModel.fromLengths(config, new int[] {38, 40, 39, 41});
        Random random = new Random(42L);
        double[][] h = new double[12][12];
        double[][] n = new double[12][3072];
        for (double[] row : h) {
            for (int i = 0; i < row.length; i++) {
                row[i] = 200 * random.nextDouble();
            }
        }
        for (double[] row : n) {
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextDouble();
            }
        }
        SolvedMask solved = new BudgetSolver(new UnitScores(h, n), flops).solve(0.6);
        MaskDocument doc = MaskDocuments.of("bert-base-mnli", SHA, solved, flops, "fisher", settings());

        FlopReport report = flops.report(solved.mask());
        assertEquals(0.6, doc.budget());
        assertEquals(39.5, doc.tokensPerSequence());
        assertEquals(report.prunableAfter(), doc.flops().prunableAfter());
        assertEquals(report.totalBefore(), doc.flops().totalBefore());
        assertEquals(report.paramsAfter(), doc.params().after());
        assertEquals(solved.keptHeads(), doc.kept().heads());
        assertEquals(solved.keptNeurons(), doc.kept().neurons());
        assertEquals(solved.keptImportance(), doc.keptImportance());
        assertTrue(doc.keptFraction() <= 0.6 + BudgetSolver.RELATIVE_TOLERANCE);

        String json = MaskJson.write(doc);
        assertEquals(java.util.Set.of(), schema().validate(new ObjectMapper().readTree(json)));
        MaskDocument back = MaskJson.read(json);
        assertEquals(doc, back);
        assertEquals(solved.mask(), MaskDocuments.toUnitMask(back, config));
    }

    @Test
    void keptUnitsBecomeOnesAndRemovedUnitsZeros() {
        ModelConfig config = ModelConfig.dense("bert", 10, 8, 2, 2, 3, 16, 2, 1e-12, Pooling.CLS, 2, List.of());
        UnitMask mask = new UnitMask(new boolean[][] {{true, false}, {false, false}},
                new boolean[][] {{true, true, false}, {false, false, true}});
        FlopModel flops = FlopModel.of(config, 4);
        SolvedMask solved = new SolvedMask(mask, 0.5, flops.report(mask).keptFraction(), 3.0, 1, 3);
        MaskDocument doc = MaskDocuments.of("tiny", SHA, solved, flops, "output", Map.of());
        assertArrayEquals(new int[][] {{1, 0}, {0, 0}}, doc.heads());
        assertArrayEquals(new int[][] {{1, 1, 0}, {0, 0, 1}}, doc.neurons());
        assertArrayEquals(new int[] {1, 0}, doc.kept().headsPerLayer());
        assertArrayEquals(new int[] {2, 1}, doc.kept().neuronsPerLayer());
        assertEquals(mask, MaskDocuments.toUnitMask(doc));
    }

    @Test
    void rejectsDocumentOfAnotherShapeThanTheModel() {
        ModelConfig config = ModelConfig.dense("bert", 10, 8, 2, 2, 3, 16, 2, 1e-12, Pooling.CLS, 2, List.of());
        FlopModel flops = FlopModel.of(config, 4);
        SolvedMask solved = new BudgetSolver(UnitScores.zeros(2, 2, 3), flops).solve(1.0);
        MaskDocument doc = MaskDocuments.of("tiny", SHA, solved, flops, "output", Map.of());
        ModelConfig wider = ModelConfig.dense("bert", 10, 8, 2, 2, 4, 16, 2, 1e-12, Pooling.CLS, 2, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MaskDocuments.toUnitMask(doc, wider));
        assertTrue(e.getMessage().contains("2 x 3 neurons") && e.getMessage().contains("2 x 4 neurons"),
                e.getMessage());
        FlopReport other = flops.report(UnitMask.all(2, 2, 3).withoutHead(0, 0));
        e = assertThrows(IllegalArgumentException.class,
                () -> MaskDocuments.of("tiny", SHA, solved, other, "output", Map.of()));
        assertTrue(e.getMessage().contains("3/4 heads"), e.getMessage());
    }

    private static Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("samples", 128);
        s.put("probes", 8);
        s.put("head_multiplier", 1.0);
        s.put("engine", "pytorch");
        s.put("seed", 0);
        return s;
    }

    private static JsonSchema schema() throws Exception {
        try (InputStream in = MaskDocument.class.getResourceAsStream(MaskDocument.SCHEMA_RESOURCE)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }
}
