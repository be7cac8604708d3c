package dev.optinfleet.core.scoring;

import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The K token rows of a shard whose features enter the Gram matrices: chosen once per shard from the non-padding
 * tokens with a fixed seed, the same rows for teacher and every student (optin.md; the released code drew fresh
 * rows per call and included padding). With fewer than K tokens, all of them are used.
 */
public final class TokenSample {
    private TokenSample() {
    }

    /** Flat positions b·S + s of the chosen tokens, ascending. */
    public static int[] choose(TokenBatch batch, int k, long seed) {
        if (k <= 0) {
            throw new IllegalArgumentException("token rows K must be > 0, was " + k);
        }
        List<Integer> positions = new ArrayList<>();
        for (int b = 0; b < batch.size(); b++) {
            for (int s = 0; s < batch.sequenceLength(); s++) {
                if (batch.isToken(b, s)) {
                    positions.add(b * batch.sequenceLength() + s);
                }
            }
        }
        Collections.shuffle(positions, new Random(seed));
        int[] chosen = positions.subList(0, Math.min(k, positions.size())).stream().mapToInt(Integer::intValue)
                .toArray();
        Arrays.sort(chosen);
        return chosen;
    }
}
