package dev.optinfleet.report;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless chromium for tests. When it is not on the PATH, {@link #locate()} runs
 * scripts/setup-test-deps.sh (which installs it with apt-get) once; only when that fails too is the test skipped,
 * with the script's reason.
 */
final class Chromium {
    private static final long SETUP_MINUTES = 10;
    private static final long RUN_SECONDS = 90;

    private final Path binary;
    private final Path profile;

    private Chromium(Path binary, Path profile) {
        this.binary = binary;
        this.profile = profile;
    }

    /** chromium, installed first if needed; aborts (skips) the test when it cannot be had. */
    static Chromium locate(Path work) throws IOException, InterruptedException {
        Path found = onPath("chromium");
        if (found == null) {
            String why = install();
            found = onPath("chromium");
            Assumptions.assumeTrue(found != null, () -> "skipped: chromium is not installed and"
                    + " scripts/setup-test-deps.sh could not install it (" + why + "); install Debian's chromium"
                    + " (apt-get install chromium) or run the script as root");
        }
        return new Chromium(found, Files.createDirectories(work.resolve("chromium-profile")));
    }

    /** A PNG screenshot of the page in a window of the given size, at one device pixel per CSS pixel. */
    Path screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                page.toUri().toString()));
        if (!Files.isRegularFile(png)) {
            throw new IllegalStateException("chromium wrote no screenshot to " + png);
        }
        return png;
    }

    /** The DOM after the page's load event, as chromium serialises it. */
    String dumpDom(Path page, int width, int height) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", "--virtual-time-budget=5000", "--window-size=" + width + "," + height,
                page.toUri().toString()));
    }

    private String run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + profile.toAbsolutePath()));
        cmd.addAll(args);
        Path stdout = Files.createTempFile(profile, "stdout", ".txt");
        Path stderr = Files.createTempFile(profile, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within " + RUN_SECONDS + " s: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited with " + p.exitValue() + ": "
                    + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    /** Runs the setup script; returns why it failed, or "" when it succeeded. */
    private static String install() throws IOException, InterruptedException {
        Path script = setupScript();
        if (script == null) {
            return "the script was not found";
        }
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
        byte[] output;
        try (var in = p.getInputStream()) {
            output = in.readAllBytes();
        }
        if (!p.waitFor(SETUP_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return "it ran longer than " + SETUP_MINUTES + " minutes";
        }
        String text = new String(output, StandardCharsets.UTF_8).strip();
        return p.exitValue() == 0 ? "" : "exit " + p.exitValue() + (text.isEmpty() ? "" : ": " + text);
    }

    /** The system property set by the module's pom, else found by walking up from the working directory. */
    private static Path setupScript() {
        String configured = System.getProperty("optin.setupTestDeps");
        if (configured != null && Files.isRegularFile(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("scripts").resolve("setup-test-deps.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir).resolve(name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
