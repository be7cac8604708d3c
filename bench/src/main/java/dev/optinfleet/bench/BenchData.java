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
        return calibration(dir());
    }

    static Path train() {
        return train(dir());
    }

    static Path test() {
        return test(dir());
    }

    /** The files of another task directory with the same layout (e.g. bench/data/man-sections). */
    static Path calibration(Path dir) {
        return existing(dir).resolve("calibration.jsonl");
    }

    static Path train(Path dir) {
        return existing(dir).resolve("train.jsonl");
    }

    static Path test(Path dir) {
        return existing(dir).resolve("test.jsonl");
    }

    private static Path existing(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("benchmark data " + dir.toAbsolutePath() + " not found; run from the"
                    + " repository root (scripts/bench.sh does)");
        }
        return dir;
    }
}
