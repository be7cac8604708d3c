package dev.optinfleet.schemas.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskJsonTest {
    private static final ObjectMapper TREES = new ObjectMapper();

    @Test
    void roundTripsEveryField() {
        MaskDocument doc = MaskDocumentsForTests.small();
        String json = MaskJson.write(doc);
        MaskDocument back = MaskJson.read(json);
        assertEquals(doc, back);
        assertArrayEquals(doc.neurons(), back.neurons());
        assertEquals(doc.scoring().settings(), back.scoring().settings());
        assertEquals(json, MaskJson.write(back));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MaskJson.write(doc, out);
        assertEquals(doc, MaskJson.read(new ByteArrayInputStream(out.toByteArray())));
    }

    @Test
    void writesSnakeCaseNamesAndOneLinePerMatrixRow() throws Exception {
        String json = MaskJson.write(MaskDocumentsForTests.small());
        JsonNode tree = TREES.readTree(json);
        assertEquals(MaskDocument.SCHEMA_VERSION, tree.get("schema_version").asInt());
        assertEquals(MaskDocumentsForTests.SHA, tree.get("model").get("weights_sha256").asText());
        assertEquals(3.0, tree.get("tokens_per_sequence").asDouble());
        assertTrue(tree.get("flops").has("prunable_before") && tree.get("flops").has("total_after"), json);
        assertEquals("[2,1]", tree.get("kept").get("heads_per_layer").toString());
        assertTrue(json.contains("\n    [ 1, 0, 1 ],\n    [ 0, 0, 1 ]\n"), json);
        assertTrue(json.contains("\"heads_per_layer\" : [ 2, 1 ]"), json);
    }

    @Test
    void rejectsRowOfWrongLengthNamingIt() throws Exception {
        ObjectNode doc = tree();
        ((ArrayNode) doc.get("neurons").get(1)).add(0);
        assertRejected(doc, "neurons[1] has 5 entries but neurons[0] has 4");
        doc = tree();
        ((ArrayNode) doc.get("heads")).add(TREES.createArrayNode().add(1).add(1).add(1));
        assertRejected(doc, "heads has 3 rows but neurons has 2");
    }

    @Test
    void rejectsValuesOtherThanZeroOrOneNamingTheCell() throws Exception {
        ObjectNode doc = tree();
        ((ArrayNode) doc.get("heads").get(1)).set(2, 2);
        assertRejected(doc, "heads[1][2] must be 0 or 1, was 2");
        doc = tree();
        ((ArrayNode) doc.get("heads").get(0)).set(0, 0.5);
        assertRejected(doc, "heads[0][0]");
        doc = tree();
        ((ArrayNode) doc.get("neurons").get(0)).set(0, TREES.getNodeFactory().textNode("1"));
        assertRejected(doc, "neurons[0][0]");
    }

    @Test
    void rejectsMissingUnknownAndNullFieldsNamingThem() throws Exception {
        ObjectNode doc = tree();
        doc.remove("budget");
        assertRejected(doc, "budget");
        doc = tree();
        ((ObjectNode) doc.get("flops")).remove("total_after");
        assertRejected(doc, "total_after");
        doc = tree();
        doc.put("budgte", 0.5);
        assertRejected(doc, "unknown field 'budgte'");
        doc = tree();
        doc.putNull("model");
        assertRejected(doc, "model");
        doc = tree();
        ((ObjectNode) doc.get("model")).put("weights_sha256", "ABC");
        assertRejected(doc, "model.weights_sha256", "'ABC'");
    }

    @Test
    void rejectsCountsThatDisagreeWithTheMatrices() throws Exception {
        ObjectNode doc = tree();
        ((ArrayNode) doc.get("kept").get("neurons_per_layer")).set(1, 2);
        assertRejected(doc, "kept.neurons_per_layer[1] is 2 but neurons[1] keeps 1");
        doc = tree();
        ((ObjectNode) doc.get("kept")).put("heads", 4);
        assertRejected(doc, "kept.heads is 4 but heads keeps 3");
        doc = tree();
        doc.put("kept_fraction", 0.9);
        assertRejected(doc, "kept_fraction is 0.9");
    }

    @Test
    void rejectsBudgetOutsideZeroToOneAndOtherVersions() throws Exception {
        ObjectNode doc = tree();
        doc.put("budget", 1.5);
        assertRejected(doc, "budget must be in (0, 1]", "was 1.5");
        doc = tree();
        doc.put("schema_version", 3);
        assertRejected(doc, "schema_version 3 is not supported");
        assertThrows(MaskFormatException.class, () -> MaskJson.read("{\"schema_version\": 1"));
    }

    @Test
    void roundTripsTheReconstructionRecord() {
        MaskDocument doc = MaskDocumentsForTests.refit();
        MaskDocument back = MaskJson.read(MaskJson.write(doc));
        assertEquals(doc, back);
        assertEquals("full", back.reconstruction().repair());
        assertEquals(0.37, back.reconstruction().sublayers().get(0).lambda());
        assertEquals(420, back.reconstruction().tokens());
    }

    @Test
    void readsAVersionOneDocumentAsRepairNone() throws Exception {
        ObjectNode doc = tree();
        doc.put("schema_version", 1);
        doc.remove("reconstruction");
        MaskDocument read = MaskJson.read(doc.toString());
        assertEquals(MaskDocument.Reconstruction.none(), read.reconstruction());
        assertEquals(MaskDocument.SCHEMA_VERSION, read.schemaVersion());
    }

    @Test
    void rejectsBadReconstructionRecordsNamingTheField() throws Exception {
        ObjectNode doc = (ObjectNode) TREES.readTree(MaskJson.write(MaskDocumentsForTests.refit()));
        ((ObjectNode) doc.get("reconstruction")).put("repair", "partial");
        assertRejected(doc, "reconstruction.repair", "partial");
        ObjectNode missing = tree();
        missing.remove("reconstruction");
        assertRejected(missing, "reconstruction");
        ObjectNode none = tree();
        ((ObjectNode) none.get("reconstruction")).put("repair", "full");
        assertRejected(none, "reconstruction.sublayers must be empty exactly when repair is none");
    }

    @Test
    void recordsCopyTheirArrays() {
        MaskDocument doc = MaskDocumentsForTests.small();
        doc.heads()[0][0] = 0;
        assertTrue(doc.keepsHead(0, 0));
        assertThrows(UnsupportedOperationException.class, () -> doc.scoring().settings().put("x", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MaskDocument.Scoring("fisher", Map.of(" ", 1)));
        assertTrue(e.getMessage().contains("scoring.settings"), e.getMessage());
    }

    private static void assertRejected(ObjectNode doc, String... fragments) {
        MaskFormatException e = assertThrows(MaskFormatException.class, () -> MaskJson.read(doc.toString()));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
    }

    private static ObjectNode tree() throws Exception {
        return (ObjectNode) TREES.readTree(MaskJson.write(MaskDocumentsForTests.small()));
    }
}
