package dev.optinfleet.core.tokenize;

import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of tokenised sequences padded to the longest: token ids, token-type ids and attention mask, each
 * [B x S] row-major. Padding positions have attention mask 0.
 *
 * @param size           B, number of sequences
 * @param sequenceLength S, padded length
 * @param ids            token ids, length B·S
 * @param typeIds        token-type ids, length B·S
 * @param attentionMask  1 for real tokens, 0 for padding, length B·S
 * @param truncated      how many sequences were cut to the model's maximum length
 */
public record TokenBatch(int size, int sequenceLength, long[] ids, long[] typeIds, long[] attentionMask,
                         int truncated) {

    public TokenBatch {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, was " + size);
        }
        if (sequenceLength <= 0) {
            throw new IllegalArgumentException("sequence length must be > 0, was " + sequenceLength);
        }
        long n = (long) size * sequenceLength;
        check("ids", ids, n);
        check("typeIds", typeIds, n);
        check("attentionMask", attentionMask, n);
        ids = ids.clone();
        typeIds = typeIds.clone();
        attentionMask = attentionMask.clone();
    }

    private static void check(String field, long[] a, long n) {
        Objects.requireNonNull(a, field);
        if (a.length != n) {
            throw new IllegalArgumentException(field + " has " + a.length + " entries, expected B·S = " + n);
        }
    }

    @Override
    public long[] ids() {
        return ids.clone();
    }

    @Override
    public long[] typeIds() {
        return typeIds.clone();
    }

    @Override
    public long[] attentionMask() {
        return attentionMask.clone();
    }

    public long id(int row, int position) {
        return ids[row * sequenceLength + position];
    }

    public long typeId(int row, int position) {
        return typeIds[row * sequenceLength + position];
    }

    public boolean isToken(int row, int position) {
        return attentionMask[row * sequenceLength + position] != 0;
    }

    /** Non-padding tokens of each sequence. */
    public int[] lengths() {
        int[] len = new int[size];
        for (int b = 0; b < size; b++) {
            for (int s = 0; s < sequenceLength; s++) {
                if (isToken(b, s)) {
                    len[b]++;
                }
            }
        }
        return len;
    }

    /** Mean non-padding length: the s of the FLOP model. */
    public double meanLength() {
        return Arrays.stream(lengths()).average().orElse(0);
    }

    /** Rows [from, to) as a batch of their own, still padded to this batch's length. */
    public TokenBatch rows(int from, int to) {
        if (from < 0 || to > size || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside batch of " + size);
        }
        int a = from * sequenceLength;
        int b = to * sequenceLength;
        return new TokenBatch(to - from, sequenceLength, Arrays.copyOfRange(ids, a, b),
                Arrays.copyOfRange(typeIds, a, b), Arrays.copyOfRange(attentionMask, a, b), 0);
    }

    /**
     * The given rows, in that order, cut to {@code length} positions: a micro-batch padded to its own longest
     * sequence instead of the shard's.
     *
     * @throws IllegalArgumentException when a cut position holds a token
     */
    public TokenBatch select(int[] rowIndices, int length) {
        if (rowIndices.length == 0 || length <= 0 || length > sequenceLength) {
            throw new IllegalArgumentException("cannot select " + rowIndices.length + " rows of length " + length
                    + " from " + this);
        }
        int n = rowIndices.length;
        long[] i = new long[n * length];
        long[] t = new long[n * length];
        long[] m = new long[n * length];
        for (int k = 0; k < n; k++) {
            int r = rowIndices[k];
            if (r < 0 || r >= size) {
                throw new IllegalArgumentException("row " + r + " outside batch of " + size);
            }
            for (int p = length; p < sequenceLength; p++) {
                if (isToken(r, p)) {
                    throw new IllegalArgumentException("row " + r + " has a token at position " + p
                            + ", past the selected length " + length);
                }
            }
            System.arraycopy(ids, r * sequenceLength, i, k * length, length);
            System.arraycopy(typeIds, r * sequenceLength, t, k * length, length);
            System.arraycopy(attentionMask, r * sequenceLength, m, k * length, length);
        }
        return new TokenBatch(n, length, i, t, m, 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenBatch t && size == t.size && sequenceLength == t.sequenceLength
                && Arrays.equals(ids, t.ids) && Arrays.equals(typeIds, t.typeIds)
                && Arrays.equals(attentionMask, t.attentionMask) && truncated == t.truncated;
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, sequenceLength, Arrays.hashCode(ids), Arrays.hashCode(attentionMask));
    }

    @Override
    public String toString() {
        return "TokenBatch[" + size + " x " + sequenceLength + ", truncated " + truncated + "]";
    }
}
