package dev.optinfleet.core.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The throughput of one kind of worker, as the cost model uses it: the engine's plain float32 matmul rate and the
 * share of it each scorer family reaches (the rest goes to softmax, LayerNorm, GELU, copies and small matmuls).
 * Kinds are listed in a calibration file ({@link #bundled()}: {@code worker-kinds.json} beside this class); a kind
 * whose rate was not measured on such a machine says so ({@code measured: false}) and where its number comes from.
 *
 * @param name                 e.g. {@code cpu-2core}, {@code h200}
 * @param matmulGflops         plain fp32 matmul rate, GFLOP/s
 * @param gradientEfficiency   achieved share of it for {@code fisher}, {@code fisher_trajectory}
 * @param exactEfficiency      achieved share of it for {@code output}, {@code trajectory}
 * @param taskOverheadSeconds  fleet work per task besides scoring (dispatch, transfer, merge)
 * @param jobOverheadSeconds   work after the last result (solve, write, upload, report)
 * @param measured             whether the rate was measured on a machine of this kind
 * @param source               where the numbers come from
 */
public record WorkerKind(String name, double matmulGflops, double gradientEfficiency, double exactEfficiency,
                         double taskOverheadSeconds, double jobOverheadSeconds, boolean measured, String source) {
    /** The calibration file shipped with the project. */
    public static final String RESOURCE = "worker-kinds.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public WorkerKind {
        if (!(matmulGflops > 0) || !(gradientEfficiency > 0) || !(exactEfficiency > 0)) {
            throw new IllegalArgumentException("worker kind " + name + ": matmul_gflops and efficiencies must be > 0");
        }
    }

    /** Achieved GFLOP/s of a scorer family. */
    public double gflops(boolean gradient) {
        return matmulGflops * (gradient ? gradientEfficiency : exactEfficiency);
    }

    /** The kinds of the bundled calibration file. */
    public static List<WorkerKind> bundled() {
        try (InputStream in = WorkerKind.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the calibration file " + RESOURCE + " is missing from the jar");
            }
            return parse(RESOURCE, JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The kinds of a calibration file of the same format. */
    public static List<WorkerKind> read(Path file) {
        try {
            return parse(file.toString(), JSON.readTree(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The kind of that name, or an error listing the known ones. */
    public static WorkerKind find(List<WorkerKind> kinds, String name) {
        for (WorkerKind k : kinds) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("worker kind '" + name + "' is not in the calibration file; known: "
                + String.join(", ", kinds.stream().map(WorkerKind::name).toList()));
    }

    private static List<WorkerKind> parse(String source, JsonNode root) {
        JsonNode kinds = root == null ? null : root.get("kinds");
        if (kinds == null || !kinds.isArray()) {
            throw new IllegalArgumentException(source + ": kinds must be an array of worker kinds");
        }
        List<WorkerKind> out = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            JsonNode k = kinds.get(i);
            String where = source + ": kinds[" + i + "]";
            out.add(new WorkerKind(text(k, "name", where), number(k, "matmul_gflops", where),
                    number(k, "gradient_efficiency", where), number(k, "exact_efficiency", where),
                    number(k, "task_overhead_seconds", where), number(k, "job_overhead_seconds", where),
                    k.path("measured").asBoolean(false), text(k, "source", where)));
        }
        return out;
    }

    private static String text(JsonNode k, String field, String where) {
        JsonNode v = k.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(where + "." + field + " must be a string, was " + v);
        }
        return v.asText();
    }

    private static double number(JsonNode k, String field, String where) {
        JsonNode v = k.get(field);
        if (v == null || !v.isNumber() || v.asDouble() < 0) {
            throw new IllegalArgumentException(where + "." + field + " must be a number >= 0, was " + v);
        }
        return v.asDouble();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%.0f GFLOP/s matmul%s)", name, matmulGflops,
                measured ? ", measured" : ", not measured");
    }
}
