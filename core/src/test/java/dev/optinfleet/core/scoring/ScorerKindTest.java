package dev.optinfleet.core.scoring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScorerKindTest {

    @Test
    void theOneDefaultIsTheLabelFreeGradientEstimateOfTheTrajectoryScore() {
        assertEquals(ScorerKind.FISHER_TRAJECTORY, ScorerKind.defaultKind());
        assertEquals(ScorerKind.FISHER_TRAJECTORY.wireName(), ScorerKind.DEFAULT_NAME);
        assertTrue(ScorerKind.defaultKind().gradient());
    }

    @Test
    void anUnknownNameIsRefusedNamingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScorerKind.fromWireName("fishr"));
        assertTrue(e.getMessage().contains("fisher_trajectory") && e.getMessage().contains("'fishr'"),
                e.getMessage());
    }
}
