package dev.optinfleet.cli.fleet;

import java.nio.file.Path;

/** The fleet scenarios on the embedded default: an in-process KRaft broker and s3proxy as a child JVM. */
class EmbeddedFleetTest extends FleetScenarios {
    @Override
    EmbeddedFleet startFleet(Path home, Path work) {
        return EmbeddedFleet.start(home, work, 2, s -> { });
    }
}
