package dev.optinfleet.registry.events;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyGlobTest {

    @Test
    void doubleStarCrossesFoldersSingleStarDoesNot() {
        KeyGlob under = KeyGlob.of("minilm/**");
        assertTrue(under.matches("minilm/3/config.json"));
        assertTrue(under.matches("minilm/config.json"));
        assertFalse(under.matches("minilm-2/config.json"));

        KeyGlob oneLevel = KeyGlob.of("minilm/*/config.json");
        assertTrue(oneLevel.matches("minilm/3/config.json"));
        assertFalse(oneLevel.matches("minilm/3/a/config.json"));
        assertFalse(oneLevel.matches("minilm/3/model.safetensors"));
    }

    @Test
    void leadingDoubleStarSlashAlsoMatchesTheRoot() {
        KeyGlob anyDepth = KeyGlob.of("**/config.json");
        assertTrue(anyDepth.matches("config.json"));
        assertTrue(anyDepth.matches("a/b/config.json"));
        assertFalse(anyDepth.matches("a/b/xconfig.json"));
    }

    @Test
    void regexCharactersAreLiteralAndQuestionMarkIsOneCharacter() {
        assertTrue(KeyGlob.of("m+(1).onnx").matches("m+(1).onnx"));
        assertFalse(KeyGlob.of("m.onnx").matches("mxonnx"));
        assertTrue(KeyGlob.of("v?/model.onnx").matches("v2/model.onnx"));
        assertFalse(KeyGlob.of("v?/model.onnx").matches("v/model.onnx"));
    }

    @Test
    void blankOrAbsoluteGlobIsRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KeyGlob.of(" ")).getMessage()
                .contains("blank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KeyGlob.of("/a/**")).getMessage()
                .contains("'/a/**'"));
    }
}
