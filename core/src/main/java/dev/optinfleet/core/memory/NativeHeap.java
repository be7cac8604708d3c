package dev.optinfleet.core.memory;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Sets glibc's malloc thresholds for the kind of pass about to run, so that resident memory follows what the
 * scorers plan ({@link MemoryBudget}) without paying for it where it does not help.
 *
 * <p>Why: libtorch allocates tensors on the CPU with glibc's malloc. glibc raises its mmap threshold each time a
 * large mmapped block is freed (up to 32 MiB on 64-bit), so after the first passes every tensor of a few MiB comes
 * from the arenas instead, and memory freed there stays resident while fragments of it are in use; every allocating
 * thread may get an arena of its own as well.
 *
 * <ul>
 *   <li>{@link Profile#EXACT} (128 KiB thresholds, 2 arenas): the exact scorers' many small masked passes. Measured
 *       on e5-small-v2, exact {@code trajectory} teacher over 128 texts of 512 tokens under a 2 GB budget: VmHWM
 *       3.02 GB with glibc's defaults, 1.22 GB with this profile, same wall time
 *       ({@code bench ExactPeak 2g 128 512 11 head 1}).</li>
 *   <li>{@link Profile#GRADIENT} (32 MiB mmap threshold, 64 MiB trim threshold, 2 arenas): the gradient scorers
 *       allocate and free activations of several MiB per layer and probe; mmapping each of them (the exact
 *       profile) made {@code fisher} 1.62x slower than PyTorch instead of 0.99x, while this profile keeps glibc's
 *       speed at the same peak: e5 {@code fisher}, 128 texts of 128 tokens, 2 GB budget, 1.08 GB / 79.8 s exact
 *       profile, 1.35 GB / 66.2 s glibc's defaults, 1.32 GB / 66.0 s this profile
 *       ({@code scripts/bench.sh memory}, see {@code docs/scoring-memory.md}).</li>
 * </ul>
 *
 * <p>Fixing the thresholds through {@code mallopt} turns the dynamic adjustment off for every later allocation and
 * can be changed between passes (a worker runs exact and gradient tasks one after the other); the variables
 * {@code MALLOC_MMAP_THRESHOLD_}, {@code MALLOC_TRIM_THRESHOLD_} and {@code MALLOC_ARENA_MAX} do the same, but only
 * when set before the process starts, which a launcher may not do. When any of them is set the user has chosen and
 * nothing changes. A no-op off glibc (macOS, musl). Passes run one at a time per process, so the profile is a
 * process-wide setting.
 */
public final class NativeHeap {
    /** mallopt parameters from glibc's malloc.h. */
    static final int M_TRIM_THRESHOLD = -1;
    static final int M_MMAP_THRESHOLD = -3;
    static final int M_ARENA_MAX = -8;

    /** Arenas: a scorer runs one pass at a time; libtorch's intra-op threads share these. */
    static final int ARENA_MAX = 2;

    /** The heap settings of one kind of pass. */
    public enum Profile {
        /** Blocks from 128 KiB (glibc's own starting value) mmapped; free memory over 128 KiB trimmed at once. */
        EXACT(128 << 10, 128 << 10),
        /** Blocks from 32 MiB (glibc's own ceiling) mmapped; free memory over 64 MiB trimmed. */
        GRADIENT(32 << 20, 64 << 20);

        final int mmapThreshold;
        final int trimThreshold;

        Profile(int mmapThreshold, int trimThreshold) {
            this.mmapThreshold = mmapThreshold;
            this.trimThreshold = trimThreshold;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);
    private static final Object LOCK = new Object();
    private static Profile current;
    private static String state;

    private NativeHeap() {
    }

    /** glibc's malloc tuning calls. */
    interface CLibrary extends Library {
        int mallopt(int param, int value);
    }

    /**
     * Sets the heap for {@code profile} (at once when it is already set).
     *
     * @return what was done, for logs and tests: "tuned for EXACT" / "tuned for GRADIENT", "left to MALLOC_*
     *         variables", "not glibc" or the reason the call failed
     */
    public static String use(Profile profile) {
        synchronized (LOCK) {
            if (current != profile || state == null) {
                state = apply(System.getenv(), profile);
                current = profile;
            }
            return state;
        }
    }

    static String apply(Map<String, String> env, Profile profile) {
        if (env.keySet().stream().anyMatch(k -> k.startsWith("MALLOC_"))) {
            return "left to MALLOC_* variables";
        }
        if (!Platform.isLinux()) {
            return "not glibc";
        }
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            // mallopt answers 1 on success, 0 on a rejected value.
            int ok = c.mallopt(M_MMAP_THRESHOLD, profile.mmapThreshold)
                    & c.mallopt(M_TRIM_THRESHOLD, profile.trimThreshold) & c.mallopt(M_ARENA_MAX, ARENA_MAX);
            String result = ok == 1 ? "tuned for " + profile : "mallopt refused a value";
            LOG.debug("C heap: {}", result);
            return result;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // musl and other C libraries without mallopt: their defaults stand.
            LOG.debug("C heap left as it is: {}", e.toString());
            return "not glibc: " + e.getMessage();
        }
    }
}
