package dev.optinfleet.report;

import dev.optinfleet.core.checkpoint.Checkpoint;
import dev.optinfleet.core.pipeline.BudgetOutput;
import dev.optinfleet.core.pipeline.LocalPruner;
import dev.optinfleet.core.pipeline.ScoringProgress;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.testing.RealModels;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.mask.MaskDocument;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real pruning job, run once per test JVM: fisher scores of the real MiniLM (all-MiniLM-L6-v2, 6 x 12 heads,
 * 6 x 1536 neurons) on 24 real sentences, in process, solved at three budgets. Takes a few seconds.
 */
final class RealJob {
    static final List<Double> BUDGETS = List.of(0.3, 0.5, 0.7);
    private static LocalPruner.Result result;
    private static Path out;

    private RealJob() {
    }

    static synchronized LocalPruner.Result result() {
        if (result == null) {
            try {
                out = Files.createTempDirectory("optin-report-job-");
                Path calibration = out.resolve("calibration.jsonl");
                StringBuilder lines = new StringBuilder();
                for (String s : RealModels.sentences()) {
                    lines.append(Json.write(Map.of("text", s))).append('\n');
                }
                Files.writeString(calibration, lines);
                LocalPruner.Request request = new LocalPruner.Request(RealModels.miniLm(),
                        RealModels.miniLmTokenizer(), List.of(calibration), BUDGETS,
                        ScoringSettings.defaults(ScorerKind.FISHER), 256, 8, out.resolve("job"));
                result = LocalPruner.run(request, ScoringProgress.NONE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return result;
    }

    static Checkpoint dense() {
        return RealModels.miniLm();
    }

    static List<MaskDocument> masks() {
        return result().budgets().stream().map(BudgetOutput::mask).toList();
    }

    /** The report data of the job, without timings or evaluation. */
    static ReportData data() {
        return ReportData.from(result().scores(), dense(), masks(), null, null);
    }

    /** The report data with in-process timings and an evaluation, every section present. */
    static ReportData fullData() {
        LocalPruner.Result r = result();
        return data().withJobId("job-42")
                .withTimings(new Timings(r.scoringSeconds(), r.tasks(), 3L * 6 * (12 + 1536),
                        List.of(new Timings.Worker("worker-a", 2, 2L * 6 * (12 + 1536), r.scoringSeconds() * 0.6),
                                new Timings.Worker("worker-b", 1, 6L * (12 + 1536), r.scoringSeconds() * 0.4))))
                .withEvaluation(Evaluation.of("agreement", "calibration.jsonl", 1.0,
                        Map.of(0.3, 0.62, 0.5, 0.81, 0.7, 0.93)));
    }
}
