package dev.optinfleet.core.memory;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Makes the C heap give freed tensor memory back to the system, so that resident memory follows what the scorers
 * plan ({@link MemoryBudget}) instead of the most the allocator ever held.
 *
 * <p>Why: libtorch allocates tensors on the CPU with glibc's malloc. glibc raises its mmap threshold each time a
 * large mmapped block is freed (up to 32 MiB on 64-bit), so after the first passes every tensor of a few MiB comes
 * from the arenas instead, and memory freed there stays resident while fragments of it are in use; every allocating
 * thread may get an arena of its own as well. Measured on e5-small-v2, exact {@code trajectory} teacher over 128
 * texts of 512 tokens under a 2 GB budget: VmHWM 3.02 GB with glibc's defaults, 1.22 GB with a fixed threshold and
 * one arena, same wall time ({@code bench ExactPeak 2g 128 512 11 head 1}).
 *
 * <p>Fixing the thresholds through {@code mallopt} turns the dynamic adjustment off for every later allocation;
 * the variables {@code MALLOC_MMAP_THRESHOLD_}, {@code MALLOC_TRIM_THRESHOLD_} and {@code MALLOC_ARENA_MAX} do
 * the same, but only when set before the process starts, which a launcher may not do. When any of them is set
 * the user has chosen and nothing changes. A no-op off glibc (macOS, musl).
 */
public final class NativeHeap {
    /** mallopt parameters from glibc's malloc.h. */
    static final int M_TRIM_THRESHOLD = -1;
    static final int M_MMAP_THRESHOLD = -3;
    static final int M_ARENA_MAX = -8;

    /** Blocks from this size up are mmapped and unmapped on free: 128 KiB, glibc's own starting value. */
    static final int MMAP_THRESHOLD = 128 << 10;
    /** Free memory above this at the top of an arena goes back at once. */
    static final int TRIM_THRESHOLD = 128 << 10;
    /** Arenas: a scorer runs one pass at a time; libtorch's intra-op threads share these. */
    static final int ARENA_MAX = 2;

    private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);
    private static final Object LOCK = new Object();
    private static volatile String state;

    private NativeHeap() {
    }

    /** glibc's malloc tuning calls. */
    interface CLibrary extends Library {
        int mallopt(int param, int value);
    }

    /**
     * Fixes glibc's thresholds once per process (later calls return at once).
     *
     * @return what was done, for logs and tests: "tuned", "left to MALLOC_* variables", "not glibc" or the reason
     *         the call failed
     */
    public static String tune() {
        String s = state;
        if (s != null) {
            return s;
        }
        synchronized (LOCK) {
            if (state == null) {
                state = apply(System.getenv());
            }
            return state;
        }
    }

    static String apply(Map<String, String> env) {
        if (env.keySet().stream().anyMatch(k -> k.startsWith("MALLOC_"))) {
            return "left to MALLOC_* variables";
        }
        if (!Platform.isLinux()) {
            return "not glibc";
        }
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            // mallopt answers 1 on success, 0 on a rejected value.
            int ok = c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) & c.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                    & c.mallopt(M_ARENA_MAX, ARENA_MAX);
            String result = ok == 1 ? "tuned" : "mallopt refused a value";
            LOG.debug("C heap: {}", result);
            return result;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // musl and other C libraries without mallopt: their defaults stand.
            LOG.debug("C heap left as it is: {}", e.toString());
            return "not glibc: " + e.getMessage();
        }
    }
}
