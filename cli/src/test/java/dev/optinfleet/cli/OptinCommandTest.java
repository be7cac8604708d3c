package dev.optinfleet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every subcommand's bad-input paths: one clear line on stderr naming the problem, and the right exit code. */
class OptinCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = OptinCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static void assertOneLine(Run r, int code, String... mentions) {
        assertEquals(code, r.code(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "expected one line, got:\n" + r.err());
        for (String m : mentions) {
            assertTrue(err.contains(m), "'" + err + "' should mention '" + m + "'");
        }
    }

    private Path calibration() throws IOException {
        Path p = dir.resolve("cal.jsonl");
        Files.writeString(p, "{\"text\": \"A real sentence about pruning.\"}\n");
        return p;
    }

    @Test
    void pruneRejectsBudgetOutOfRange() throws IOException {
        assertOneLine(run("prune", "--model", "bundled:minilm", "--calibration", calibration().toString(),
                "--budget", "1.5", "--out", dir.resolve("o").toString()), OptinCommand.BAD_INPUT, "--budget", "1.5");
    }

    @Test
    void pruneRejectsUnknownRepairNamingTheOptionAndValue() throws IOException {
        assertOneLine(run("prune", "--in-process", "--model", "bundled:minilm", "--calibration",
                calibration().toString(), "--budget", "0.5", "--repair", "partial", "--out",
                dir.resolve("o").toString()), OptinCommand.BAD_INPUT, "--repair", "partial", "none", "full");
    }

    @Test
    void pruneRejectsMaxLengthZero() throws IOException {
        assertOneLine(run("prune", "--in-process", "--model", "bundled:minilm", "--calibration",
                calibration().toString(), "--budget", "0.5", "--max-length", "0", "--out", dir.resolve("o").toString()),
                OptinCommand.BAD_INPUT, "--max-length", "0");
    }

    @Test
    void pruneRejectsMemoryBelowTheFixedOverhead() throws IOException {
        assertOneLine(run("prune", "--in-process", "--model", "bundled:minilm", "--calibration",
                calibration().toString(), "--budget", "0.5", "--memory", "100m", "--out", dir.resolve("o").toString()),
                OptinCommand.BAD_INPUT, "--memory 100m", "fixed overhead", "Java heap");
    }

    @Test
    void pruneRejectsAMemoryValueThatIsNotASize() throws IOException {
        assertOneLine(run("prune", "--in-process", "--model", "bundled:minilm", "--calibration",
                calibration().toString(), "--budget", "0.5", "--memory", "plenty", "--out", dir.resolve("o").toString()),
                OptinCommand.BAD_INPUT, "--memory", "'plenty'");
    }

    @Test
    void pruneCutsTextsLongerThanMaxLengthWithOneWarning() throws IOException {
        Path cal = dir.resolve("long.jsonl");
        Files.writeString(cal, "{\"text\": \"One rather long sentence about pruning transformers in one shot.\"}\n"
                + "{\"text\": \"Another sentence, also longer than eight tokens by a clear margin.\"}\n"
                + "{\"text\": \"Short.\"}\n");
        // The progress display (and its warnings) writes to the process's stderr.
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        Run r;
        System.setErr(new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            r = run("prune", "--in-process", "--json", "--model", "bundled:minilm", "--calibration", cal.toString(),
                    "--budget", "0.5", "--max-length", "8", "--out", dir.resolve("o").toString());
        } finally {
            System.setErr(saved);
        }
        String err = console.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, r.code(), r.err() + err);
        assertEquals(1, err.lines().filter(l -> l.contains("warning")).count(), err);
        assertTrue(err.contains("2 of 3 calibration text(s) are longer than 8 tokens (--max-length)"), err);
        String scores = Files.readString(dir.resolve("o").resolve("scores.json"));
        assertTrue(scores.contains("\"max_length\" : 8"), "recorded with the settings");
    }

    @Test
    void pruneRejectsMissingCalibrationFile() {
        assertOneLine(run("prune", "--model", "bundled:minilm", "--calibration", dir.resolve("nope.jsonl").toString(),
                "--budget", "0.5", "--out", dir.resolve("o").toString()), OptinCommand.BAD_INPUT, "nope.jsonl");
    }

    @Test
    void pruneRejectsEmptyCalibrationFile() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));
        assertOneLine(run("prune", "--in-process", "--model", "bundled:minilm", "--calibration", empty.toString(),
                "--budget", "0.5", "--out", dir.resolve("o").toString()), OptinCommand.BAD_INPUT, "empty.jsonl",
                "no samples");
    }

    @Test
    void pruneRejectsMissingModel() throws IOException {
        assertOneLine(run("prune", "--model", dir.resolve("absent").toString(), "--calibration",
                calibration().toString(), "--budget", "0.5", "--out", dir.resolve("o").toString()),
                OptinCommand.BAD_INPUT, "absent", "does not exist");
    }

    @Test
    void pruneRejectsUnknownBundledModel() throws IOException {
        assertOneLine(run("prune", "--model", "bundled:gpt5", "--calibration", calibration().toString(),
                "--budget", "0.5", "--out", dir.resolve("o").toString()), OptinCommand.BAD_INPUT, "bundled:gpt5");
    }

    @Test
    void applyRejectsMissingMask() {
        assertOneLine(run("apply", "--model", "bundled:minilm", "--mask", dir.resolve("mask.json").toString(),
                "--out", dir.resolve("o").toString()), OptinCommand.BAD_INPUT, "mask.json");
    }

    @Test
    void evalWithoutLabelsOrReferenceSaysThereIsNothingToMeasure() throws IOException {
        assertOneLine(run("eval", "--model", "bundled:minilm", "--data", calibration().toString()),
                OptinCommand.BAD_INPUT, "cal.jsonl", "--reference");
    }

    @Test
    void evalRejectsMissingData() {
        assertOneLine(run("eval", "--model", "bundled:minilm", "--data", dir.resolve("d.jsonl").toString()),
                OptinCommand.BAD_INPUT, "d.jsonl");
    }

    @Test
    void statusOfUnreachableCoordinatorExitsWithItsOwnCode() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertOneLine(run("status", "job-1", "--coordinator", "http://localhost:" + port),
                OptinCommand.UNREACHABLE, "localhost:" + port);
    }

    @Test
    void budgetsRejectsBudgetOutOfRangeBeforeCallingAnyone() {
        assertOneLine(run("budgets", "job-1", "--budget", "0", "--coordinator", "http://localhost:1"),
                OptinCommand.BAD_INPUT, "--budget", "0.0");
    }

    @Test
    void coordinatorMustBeAnHttpUrl() {
        assertOneLine(run("status", "job-1", "--coordinator", "ftp://x"), OptinCommand.BAD_INPUT, "ftp://x");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("prune", "--model", "m", "--calibration", "c", "--budget", "0.5", "--out", "o", "--frobnicate");
        assertEquals(OptinCommand.BAD_INPUT, r.code());
        assertTrue(r.err().contains("--frobnicate"), r.err());
    }
}
