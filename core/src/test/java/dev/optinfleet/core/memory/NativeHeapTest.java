package dev.optinfleet.core.memory;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NativeHeapTest {
    @Test
    void setsEitherProfileOnGlibcLinux() {
        // This project builds and tests on glibc Linux only (the PyTorch natives it ships are linux-x86_64);
        // mallopt refuses an mmap threshold over glibc's 32 MiB ceiling, so this also checks GRADIENT's value.
        Map<String, String> env = Map.of("PATH", "/usr/bin");
        assertEquals("tuned for EXACT", NativeHeap.apply(env, NativeHeap.Profile.EXACT));
        assertEquals("tuned for GRADIENT", NativeHeap.apply(env, NativeHeap.Profile.GRADIENT));
        assertEquals("tuned for EXACT", NativeHeap.apply(env, NativeHeap.Profile.EXACT));
    }

    @Test
    void leavesTheHeapToVariablesTheUserSet() {
        assertEquals("left to MALLOC_* variables",
                NativeHeap.apply(Map.of("MALLOC_ARENA_MAX", "4"), NativeHeap.Profile.GRADIENT));
    }
}
