package dev.optinfleet.schemas.mask;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mask.schema.json against documents MaskJson writes, and against broken ones. */
class MaskSchemaTest {
    private static final ObjectMapper TREES = new ObjectMapper();

    static JsonSchema schema() throws Exception {
        try (InputStream in = MaskDocument.class.getResourceAsStream(MaskDocument.SCHEMA_RESOURCE)) {
            assertNotNull(in, MaskDocument.SCHEMA_RESOURCE + " is not on the classpath");
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    @Test
    void writtenDocumentIsValid() throws Exception {
        Set<ValidationMessage> errors = schema().validate(tree());
        assertEquals(Set.of(), errors);
    }

    @Test
    void writtenDocumentWithARefitRecordIsValidAndItsFieldsAreChecked() throws Exception {
        ObjectNode doc = (ObjectNode) TREES.readTree(MaskJson.write(MaskDocumentsForTests.refit()));
        assertEquals(Set.of(), schema().validate(doc));
        ((ObjectNode) doc.get("reconstruction").get("sublayers").get(1)).put("status", "guessed");
        assertInvalid(doc, "status");
        ObjectNode missing = (ObjectNode) TREES.readTree(MaskJson.write(MaskDocumentsForTests.refit()));
        ((ObjectNode) missing.get("reconstruction")).remove("relative_ridge");
        assertInvalid(missing, "relative_ridge");
    }

    @Test
    void valueOtherThanZeroOrOneIsInvalid() throws Exception {
        ObjectNode doc = tree();
        ((ArrayNode) doc.get("neurons").get(1)).set(3, 2);
        assertInvalid(doc, "neurons[1][3]");
    }

    @Test
    void missingFieldIsInvalid() throws Exception {
        ObjectNode doc = tree();
        doc.remove("tokens_per_sequence");
        assertInvalid(doc, "tokens_per_sequence");
        doc = tree();
        ((ObjectNode) doc.get("scoring")).remove("scorer");
        assertInvalid(doc, "scorer");
    }

    @Test
    void emptyRowOrUnknownFieldOrBadBudgetIsInvalid() throws Exception {
        ObjectNode doc = tree();
        ((ArrayNode) doc.get("heads")).add(TREES.createArrayNode());
        assertInvalid(doc, "heads[2]");
        doc = tree();
        doc.put("extra", 1);
        assertInvalid(doc, "extra");
        doc = tree();
        doc.put("budget", 0);
        assertInvalid(doc, "budget");
        doc = tree();
        ((ObjectNode) doc.get("model")).put("weights_sha256", "not-a-hash");
        assertInvalid(doc, "weights_sha256");
    }

    @Test
    void rowOfWrongLengthIsCaughtByTheCodecSinceJsonSchemaCannotCompareLengths() throws Exception {
        ObjectNode doc = tree();
        ((ArrayNode) doc.get("heads").get(0)).add(1);
        // structurally fine for the schema (documented in its description) ...
        assertEquals(Set.of(), schema().validate(doc));
        // ... and rejected on read, naming the row
        MaskFormatException e = org.junit.jupiter.api.Assertions.assertThrows(MaskFormatException.class,
                () -> MaskJson.read(doc.toString()));
        assertTrue(e.getMessage().contains("heads[1] has 3 entries but heads[0] has 4"), e.getMessage());
    }

    private static void assertInvalid(JsonNode doc, String named) throws Exception {
        Set<ValidationMessage> errors = schema().validate(doc);
        assertFalse(errors.isEmpty(), "schema accepted a document with a broken " + named);
        assertTrue(errors.stream().anyMatch(m -> m.getMessage().contains(named)), named + " not named in " + errors);
    }

    private static ObjectNode tree() throws Exception {
        return (ObjectNode) TREES.readTree(MaskJson.write(MaskDocumentsForTests.small()));
    }
}
