package dev.optinfleet.core.memory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resident memory a scoring process may use, in bytes, and how much of it is left for the engine's passes.
 *
 * <p>Resident memory = the Java heap (counted at its maximum, {@code -Xmx}, since the collector may let it grow
 * there) + the engine's runtime ({@link #RUNTIME_BYTES}: JVM metaspace, code, threads, libtorch's own allocations)
 * + the model's weights on the engine + the passes. Scorers size their passes from {@link #passBytes}, so that
 * the peak stays under the budget whatever the inputs are.
 *
 * @param bytes  the budget
 * @param source where it came from ("--memory 4g", "cgroup memory.max", "physical memory"), for messages
 */
public record MemoryBudget(long bytes, String source) {
    /**
     * What a scoring JVM holds besides its heap, weights and passes: metaspace, code cache, thread stacks, the
     * loaded libtorch and its thread pools. Measured on this project's machine: 0.35-0.45 GB of VmRSS after
     * loading the engine and a small model with a 1 GB heap.
     */
    public static final long RUNTIME_BYTES = 512L << 20;

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)i?b?");

    public MemoryBudget {
        if (bytes <= 0) {
            throw new IllegalArgumentException("memory budget must be > 0 bytes, was " + bytes + " (" + source + ")");
        }
    }

    /** Parses "4g", "512m", "1.5G", "2GiB", "1073741824"; the message names the value when it is not a size. */
    public static MemoryBudget parse(String text, String source) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(source + " must be a size such as 4g, 512m or 2048m, was '" + text
                    + "'");
        }
        double value = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long bytes = (long) (value * (1L << shift));
        if (bytes <= 0) {
            throw new IllegalArgumentException(source + " must be > 0, was '" + text + "'");
        }
        return new MemoryBudget(bytes, source + " " + text.trim());
    }

    /**
     * The process's real limit: the container's cgroup memory limit when there is one, else physical memory;
     * 90% of it, since the kernel and the page cache need some too.
     */
    public static MemoryBudget detect() {
        long physical = physicalMemory();
        long cgroup = cgroupLimit();
        if (cgroup > 0 && cgroup < physical) {
            return new MemoryBudget(cgroup / 10 * 9, "90% of the cgroup memory limit (" + gib(cgroup) + ")");
        }
        return new MemoryBudget(physical / 10 * 9, "90% of physical memory (" + gib(physical) + ")");
    }

    /** An explicit size (e.g. the CLI's {@code --memory}) or, when null or blank, {@link #detect()}. */
    public static MemoryBudget orDetect(String text, String source) {
        return text == null || text.isBlank() ? detect() : parse(text, source);
    }

    /**
     * Bytes left for the passes once the heap at its maximum, the runtime and {@code weightBytes} (the model on
     * the engine) are counted.
     *
     * @throws MemoryBudgetException when nothing is left, naming every part
     */
    public long passBytes(long weightBytes) {
        long heap = Runtime.getRuntime().maxMemory();
        long fixed = heap + RUNTIME_BYTES + weightBytes;
        long left = bytes - fixed;
        if (left <= 0) {
            throw new MemoryBudgetException("memory budget " + gib(bytes) + " (" + source + ") is below the fixed"
                    + " overhead of " + gib(fixed) + ": Java heap " + gib(heap) + " (-Xmx), runtime "
                    + gib(RUNTIME_BYTES) + ", model weights " + gib(weightBytes)
                    + "; raise the budget or lower -Xmx");
        }
        return left;
    }

    /** "2.50 GB" (binary gigabytes, as -Xmx counts). */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30));
    }

    @Override
    public String toString() {
        return gib(bytes) + " (" + source + ")";
    }

    private static long physicalMemory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory() * 2;
    }

    /** cgroup v2 memory.max, or v1 memory.limit_in_bytes; 0 when unlimited or absent. */
    static long cgroupLimit() {
        for (String file : new String[] {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
            try {
                Path p = Path.of(file);
                if (Files.isReadable(p)) {
                    String v = Files.readString(p).trim();
                    if (!v.equals("max")) {
                        long limit = Long.parseLong(v);
                        if (limit > 0 && limit < (1L << 50)) {
                            return limit;
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // no readable limit: treat as unlimited
            }
        }
        return 0;
    }
}
