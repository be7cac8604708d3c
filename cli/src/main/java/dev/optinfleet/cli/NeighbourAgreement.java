package dev.optinfleet.cli;

/**
 * Agreement of two embedding models without classifiers: the share of texts whose nearest other text (by cosine
 * similarity of their embeddings) is the same under both. 1.0 for identical models; drops as pruning moves the
 * embedding space.
 */
final class NeighbourAgreement {
    private NeighbourAgreement() {
    }

    static double of(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embeddings of " + a.length + " and " + b.length + " texts");
        }
        if (a.length < 2) {
            throw new IllegalArgumentException("nearest-neighbour agreement needs at least 2 texts, got " + a.length);
        }
        int[] na = nearest(a);
        int[] nb = nearest(b);
        int same = 0;
        for (int i = 0; i < na.length; i++) {
            if (na[i] == nb[i]) {
                same++;
            }
        }
        return same / (double) na.length;
    }

    private static int[] nearest(float[][] x) {
        double[][] unit = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double norm = 0;
            for (float v : x[i]) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            unit[i] = new double[x[i].length];
            for (int k = 0; k < x[i].length; k++) {
                unit[i][k] = x[i][k] / norm;
            }
        }
        int[] best = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            double top = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < x.length; j++) {
                if (j == i) {
                    continue;
                }
                double dot = 0;
                for (int k = 0; k < unit[i].length; k++) {
                    dot += unit[i][k] * unit[j][k];
                }
                if (dot > top) {
                    top = dot;
                    best[i] = j;
                }
            }
        }
        return best;
    }
}
