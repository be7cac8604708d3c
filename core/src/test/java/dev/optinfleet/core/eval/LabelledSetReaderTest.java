package dev.optinfleet.core.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelledSetReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsTextsPairsAndLabelsSkippingBlankLines() throws IOException {
        Path f = write("""
                {"text": "a tetris clone", "label": "games"}

                {"text": "a synthesizer", "text_pair": "for MIDI", "label": "sound", "id": 7}
                """);
        LabelledSet set = LabelledSetReader.readLabelled(f);
        assertEquals(2, set.size());
        assertEquals(List.of("a tetris clone", "a synthesizer"), set.texts());
        assertNull(set.pairs().get(0));
        assertEquals("for MIDI", set.pairs().get(1));
        assertEquals(List.of("games", "sound"), set.labelNames());
        assertArrayEquals(new int[] {1, 0}, set.labelIndices(List.of("sound", "games")));
    }

    @Test
    void unlabelledFileIsReadForAgreementButRejectedForAccuracy() throws IOException {
        Path f = write("{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
        LabelledSet set = LabelledSetReader.read(f);
        assertFalse(set.isLabelled());
        assertEquals(2, set.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelledSetReader.readLabelled(f));
        assertTrue(e.getMessage().contains(f + ":1") && e.getMessage().contains("label"), e.getMessage());
        assertThrows(IllegalStateException.class, set::labelNames);
    }

    @Test
    void malformedJsonErrorNamesFileAndLine() throws IOException {
        Path f = write("{\"text\": \"ok\", \"label\": \"x\"}\n\n{\"text\": oops}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelledSetReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3:"), e.getMessage());
    }

    @Test
    void missingLabelErrorNamesTheLine() throws IOException {
        Path f = write("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"y\"}\n{\"text\": \"c\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelledSetReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3:") && e.getMessage().contains("\"label\" is missing"),
                e.getMessage());
    }

    @Test
    void nonStringLabelAndMissingTextNameTheLine() throws IOException {
        Path numeric = write("{\"text\": \"a\", \"label\": 3}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelledSetReader.read(numeric));
        assertTrue(e.getMessage().startsWith(numeric + ":1:") && e.getMessage().contains("\"label\""),
                e.getMessage());

        Path noText = write("{\"text\": \"a\", \"label\": \"x\"}\n{\"label\": \"x\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> LabelledSetReader.read(noText));
        assertTrue(e.getMessage().startsWith(noText + ":2:") && e.getMessage().contains("\"text\""),
                e.getMessage());
    }

    @Test
    void emptyAndMissingFilesAreNamed() throws IOException {
        Path empty = write("\n\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelledSetReader.read(empty));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        Path missing = dir.resolve("nope.jsonl");
        e = assertThrows(IllegalArgumentException.class, () -> LabelledSetReader.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void labelIndicesNameALabelTheModelLacks() throws IOException {
        LabelledSet set = LabelledSetReader.readLabelled(write("{\"text\": \"a\", \"label\": \"science\"}\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.labelIndices(Arrays.asList("games", "sound")));
        assertTrue(e.getMessage().contains("'science'"), e.getMessage());
    }

    private Path write(String content) throws IOException {
        Path f = Files.createTempFile(dir, "samples", ".jsonl");
        Files.writeString(f, content);
        return f;
    }
}
