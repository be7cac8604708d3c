package dev.optinfleet.coordinator.events;

import dev.optinfleet.registry.events.CheckpointPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoint policy from configuration: inline or from a file, never both, errors naming the key. */
class CoordEventsConfigTest {
    private static final String POLICY = "{\"rules\": [{\"name\": \"minilm\", \"bucket\": \"models\", \"keys\":"
            + " \"minilm/**\", \"budgets\": [0.5], \"calibration_uris\": [\"s3://optin/cal/shard-00000.jsonl\"]}]}";

    @TempDir
    Path dir;

    @Test
    void noPolicyIsOneWithoutRules() {
        assertTrue(CheckpointEvents.policy(Optional.empty(), Optional.empty()).rules().isEmpty());
        assertTrue(CheckpointEvents.policy(Optional.of("  "), Optional.empty()).rules().isEmpty());
    }

    @Test
    void inlineAndFilePoliciesAreRead() throws IOException {
        CheckpointPolicy inline = CheckpointEvents.policy(Optional.of(POLICY), Optional.empty());
        assertEquals("minilm", inline.rules().get(0).name());
        Path file = Files.writeString(dir.resolve("policy.json"), POLICY);
        assertEquals(inline.rules(), CheckpointEvents.policy(Optional.empty(), Optional.of(file)).rules());
    }

    @Test
    void bothAtOnceAreRefusedNamingBothKeys() throws IOException {
        Path file = Files.writeString(dir.resolve("policy.json"), POLICY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointEvents.policy(Optional.of(POLICY), Optional.of(file)));
        assertTrue(e.getMessage().contains("optin.events.policy") && e.getMessage().contains("policy-file"),
                e.getMessage());
    }

    @Test
    void anInvalidPolicyNamesTheKeyAndTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointEvents.policy(Optional.of(POLICY.replace("[0.5]", "[1.5]")), Optional.empty()));
        assertTrue(e.getMessage().contains("optin.events.policy") && e.getMessage().contains("budgets[0]"),
                e.getMessage());
    }

    @Test
    void aMissingPolicyFileIsNamed() {
        Path absent = dir.resolve("absent.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointEvents.policy(Optional.empty(), Optional.of(absent)));
        assertTrue(e.getMessage().contains("optin.events.policy-file") && e.getMessage().contains("absent.json"),
                e.getMessage());
    }
}
