package dev.optinfleet.core.budget;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitScoresTest {

    @Test
    void rejectsNanScoreNamingLayerAndUnit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UnitScores(
                new double[][] {{1, 2}, {3, 4}}, new double[][] {{1, 2, 3}, {4, Double.NaN, 6}}));
        assertTrue(e.getMessage().contains("neuron score of layer 1, neuron 1") && e.getMessage().contains("NaN"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new UnitScores(
                new double[][] {{1, Double.POSITIVE_INFINITY}}, new double[][] {{1}}));
        assertTrue(e.getMessage().contains("head score of layer 0, head 1"), e.getMessage());
    }

    @Test
    void allowsNegativeScores() {
        UnitScores s = new UnitScores(new double[][] {{-1.5}}, new double[][] {{-2, 0}});
        assertEquals(-1.5, s.head(0, 0));
        assertEquals(-2.0, s.neuron(0, 0));
    }

    @Test
    void rejectsRaggedAndMismatchedShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UnitScores(
                new double[][] {{1, 2}, {3}}, new double[][] {{1}, {2}}));
        assertTrue(e.getMessage().contains("layer 1 have 1 entries but layer 0 has 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new UnitScores(
                new double[][] {{1}}, new double[][] {{1}, {2}}));
        assertTrue(e.getMessage().contains("1 head rows but 2 neuron rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new UnitScores(new double[0][], new double[0][]));
    }

    @Test
    void plusIsElementwiseAndOrderInvariant() {
        UnitScores a = new UnitScores(new double[][] {{1, 2}}, new double[][] {{0.5, -1, 3}});
        UnitScores b = new UnitScores(new double[][] {{10, 20}}, new double[][] {{1, 1, 1}});
        UnitScores sum = a.plus(b);
        assertArrayEquals(new double[][] {{11, 22}}, sum.heads());
        assertArrayEquals(new double[][] {{1.5, 0, 4}}, sum.neurons());
        assertEquals(sum, b.plus(a));
        assertEquals(a, a.plus(UnitScores.zeros(1, 2, 3)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.plus(UnitScores.zeros(1, 2, 4)));
        assertTrue(e.getMessage().contains("1 x 4 neurons") && e.getMessage().contains("1 x 3 neurons"),
                e.getMessage());
    }

    @Test
    void isImmutable() {
        double[][] heads = {{1, 2}};
        UnitScores s = new UnitScores(heads, new double[][] {{3}});
        heads[0][0] = 99;
        s.heads()[0][1] = 99;
        assertEquals(1.0, s.head(0, 0));
        assertEquals(2.0, s.head(0, 1));
        assertNotEquals(s, new UnitScores(new double[][] {{1, 2}}, new double[][] {{4}}));
    }
}
