package dev.optinfleet.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real labelled task of the quality benchmark: Debian package descriptions by section (bench/data). */
final class BenchData {
    private BenchData() {
    }

    static Path dir() {
        Path p = Path.of(System.getProperty("optin.benchData", "bench/data/debian-sections"));
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("benchmark data " + p.toAbsolutePath() + " not found; run from the"
                    + " repository root (scripts/bench.sh does)");
        }
        return p;
    }

    static Path calibration() {
        return dir().resolve("calibration.jsonl");
    }

    static Path train() {
        return dir().resolve("train.jsonl");
    }

    static Path test() {
        return dir().resolve("test.jsonl");
    }
}
