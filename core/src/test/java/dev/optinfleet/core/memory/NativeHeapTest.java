package dev.optinfleet.core.memory;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NativeHeapTest {
    @Test
    void fixesGlibcThresholdsOnLinux() {
        // This project builds and tests on glibc Linux only (the PyTorch natives it ships are linux-x86_64).
        assertEquals("tuned", NativeHeap.apply(Map.of("PATH", "/usr/bin")));
    }

    @Test
    void leavesTheHeapToVariablesTheUserSet() {
        assertEquals("left to MALLOC_* variables", NativeHeap.apply(Map.of("MALLOC_ARENA_MAX", "4")));
    }
}
