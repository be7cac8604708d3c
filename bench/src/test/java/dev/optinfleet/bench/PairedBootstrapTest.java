package dev.optinfleet.bench;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairedBootstrapTest {
    private static final int TEXTS = 800;

    /** A row of {@code draws} draws whose masks each get a text right with probability {@code p}. */
    private static QualityRow row(double p, int draws, long seed) {
        Random random = new Random(seed);
        QualityRow row = new QualityRow();
        for (int d = 0; d < draws; d++) {
            boolean[] correct = new boolean[TEXTS];
            for (int i = 0; i < TEXTS; i++) {
                correct[i] = random.nextDouble() < p;
            }
            row.add(1.0, new double[] {p}, new boolean[][] {correct});
        }
        return row;
    }

    @Test
    void aRowAgainstItselfDiffersByNothing() {
        QualityRow r = row(0.9, 3, 1);
        PairedBootstrap.Difference d = PairedBootstrap.difference(r, r, 0, 5);
        assertEquals(0.0, d.mean(), 1e-12);
        assertFalse(d.significant(), d.toString());
    }

    @Test
    void aClearlyBetterRowIsSignificantAndAnEqualOneIsNot() {
        QualityRow base = row(0.85, 3, 2);
        PairedBootstrap.Difference better = PairedBootstrap.difference(row(0.95, 3, 3), base, 0, 5);
        assertTrue(better.significant(), better.toString());
        assertTrue(better.low() > 5 && better.high() < 15, better.toString());
        PairedBootstrap.Difference same = PairedBootstrap.difference(row(0.85, 3, 4), base, 0, 5);
        assertFalse(same.significant(), same.toString());
        assertTrue(same.low() < same.mean() && same.mean() < same.high(), same.toString());
    }

    @Test
    void drawToDrawSpreadWidensTheInterval() {
        QualityRow base = row(0.9, 3, 6);
        QualityRow steady = row(0.9, 3, 7);
        QualityRow spread = new QualityRow();
        for (double p : new double[] {0.8, 0.9, 1.0}) {
            QualityRow one = row(p, 1, (long) (p * 100));
            spread.add(1.0, new double[] {p}, new boolean[][] {one.correct(0, 0)});
        }
        PairedBootstrap.Difference a = PairedBootstrap.difference(steady, base, 0, 5);
        PairedBootstrap.Difference b = PairedBootstrap.difference(spread, base, 0, 5);
        assertTrue(b.high() - b.low() > 2 * (a.high() - a.low()), a + " vs " + b);
    }
}
