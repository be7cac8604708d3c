package dev.optinfleet.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 12's memory benchmark: each row is a {@link MemoryRun} in a JVM of its own (heap a quarter of the budget,
 * at least 512 MB), so its peak resident memory (VmHWM) is its own. Prints, per model, scorer and text length, the
 * peak and wall time under each budget next to the budget, and the time against the largest budget's.
 *
 * <p>Arguments (all optional, comma-separated lists): {@code models=minilm,e5 scorers=fisher_trajectory,fisher,
 * output,trajectory tokens=128,512 samples=128 budgets=2g,4g,8g exactUnits=2}.
 */
public final class MemoryBenchmark {
    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> a = new java.util.HashMap<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            a.put(kv[0], kv[1]);
        }
        List<String> models = List.of(a.getOrDefault("models", "minilm,e5").split(","));
        List<String> scorers = List.of(a.getOrDefault("scorers", "fisher_trajectory,fisher,output,trajectory")
                .split(","));
        List<String> tokens = List.of(a.getOrDefault("tokens", "128,512").split(","));
        String samples = a.getOrDefault("samples", "128");
        List<String> budgets = List.of(a.getOrDefault("budgets", "2g,4g,8g").split(","));
        String exactUnits = a.getOrDefault("exactUnits", "2");
        System.out.printf("%s texts per row; exact scorers time %s heads of layer 0 and extrapolate to all units;"
                + " peak = VmHWM of the row's JVM%n%n", samples, exactUnits);
        System.out.println("| model | scorer | tokens | budget | peak | peak - budget | wall time | time vs largest"
                + " budget | samples per pass |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (String model : models) {
            for (String scorer : scorers) {
                for (String t : tokens) {
                    List<String[]> rows = new ArrayList<>();
                    for (String budget : budgets) {
                        rows.add(run(model, scorer, t, samples, budget, exactUnits));
                    }
                    double largest = seconds(rows.get(rows.size() - 1));
                    for (int i = 0; i < budgets.size(); i++) {
                        String[] r = rows.get(i);
                        if (r[0] == null) {
                            System.out.printf("| %s | %s | %s | %s | failed: %s | | | | |%n", model, scorer, t,
                                    budgets.get(i), r[1]);
                            continue;
                        }
                        long budget = dev.optinfleet.core.memory.MemoryBudget.parse(budgets.get(i), "b").bytes();
                        long hwm = Long.parseLong(field(r[0], "hwm"));
                        double s = seconds(r);
                        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f GB | %+.2f GB | %.1f s%s | %.2fx |"
                                        + " %s |%n", model, scorer, t, budgets.get(i), hwm / (double) (1L << 30),
                                (hwm - budget) / (double) (1L << 30), s,
                                "1.0".equals(field(r[0], "extrapolate")) ? ""
                                        : String.format(Locale.ROOT, " (all units: %.0f s)",
                                        s * Double.parseDouble(field(r[0], "extrapolate"))),
                                s / largest, field(r[0], "perPass"));
                    }
                }
            }
        }
    }

    private static double seconds(String[] row) {
        return row[0] == null ? Double.NaN : Double.parseDouble(field(row[0], "seconds"));
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return "?";
    }

    /** {result line, null} or {null, reason}. */
    private static String[] run(String model, String scorer, String tokens, String samples, String budget,
                                String exactUnits) throws Exception {
        long bytes = dev.optinfleet.core.memory.MemoryBudget.parse(budget, "budget").bytes();
        long heap = Math.max(512L << 20, bytes / 4);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx" + (heap >> 20) + "m", "-Doffline=true",
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), MemoryRun.class.getName(), model, scorer, tokens,
                samples, budget, exactUnits).redirectErrorStream(true).start();
        String result = null;
        String last = "";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT")) {
                    result = line;
                } else if (!line.isBlank() && !line.contains("WARN")) {
                    last = line;
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || result == null) {
            return new String[] {null, "exit " + code + ": " + last.replace('|', '/')};
        }
        return new String[] {result, null};
    }
}
