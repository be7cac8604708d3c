package dev.optinfleet.core.prune;

import dev.optinfleet.core.checkpoint.CheckpointHeader;
import dev.optinfleet.core.model.ModelConfig;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child-JVM entry of {@code StreamingSlicerTest}: reads a checkpoint's headers, slices it by
 * {@link WideCheckpoints#mask} into a directory, and prints the heap limit and the pruned shape.
 * Arguments: dense directory, output directory, mask seed.
 */
public final class StreamingSliceMain {
    private StreamingSliceMain() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        CheckpointHeader dense = CheckpointHeader.read(Path.of(args[0]));
        ModelConfig pruned = StreamingSlicer.slice(dense, WideCheckpoints.mask(Long.parseLong(args[2])),
                Path.of(args[1]), null);
        System.out.println("max heap " + Runtime.getRuntime().maxMemory());
        System.out.println("dense bytes " + dense.float32Bytes());
        System.out.println("heads " + Arrays.toString(pruned.headsPerLayer()));
        System.out.println("sliced in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        System.out.println("sliced OK");
    }
}
