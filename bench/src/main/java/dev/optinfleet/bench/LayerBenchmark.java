package dev.optinfleet.bench;

import dev.optinfleet.core.budget.BudgetSolver;
import dev.optinfleet.core.budget.UnitScores;
import dev.optinfleet.core.mask.UnitMask;
import dev.optinfleet.core.model.Encoder;
import dev.optinfleet.core.scoring.ScoreCombiner;
import dev.optinfleet.core.scoring.ScorerKind;
import dev.optinfleet.core.scoring.ScoringSettings;
import dev.optinfleet.core.scoring.TermTable;

/**
 * Where a mask's FLOPs go: kept heads and neurons per layer of {@code fisher_trajectory} masks at several
 * feature/output balances and budgets, with their test accuracy, on one draw of the quality benchmark's task. It
 * explains why feature-heavy balances (large lambda) collapse at low budgets.
 *
 * <p>Arguments: {@code [draw=1] [lambdas...=3 0.3]}; draw 1 is the one where lambda 3 collapsed in the quality run.
 */
public final class LayerBenchmark {
    static final double[] BUDGETS = {0.7, 0.65, 0.6, 0.55, 0.5};

    public static void main(String[] args) {
        int draw = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        double[] lambdas = args.length > 1
                ? java.util.Arrays.stream(args, 1, args.length).mapToDouble(Double::parseDouble).toArray()
                : new double[] {3, 0.3};
        try (QualityTask task = QualityTask.load(); Encoder enc = Encoder.load(task.model)) {
            ScoringSettings settings = ScoringSettings.defaults(ScorerKind.FISHER_TRAJECTORY).withSeed(draw);
            TermTable table = QualityBenchmark.score(enc, task.shards(task.draw(draw), 128), settings);
            System.out.printf("fisher_trajectory, 128 samples, draw %d: kept heads / neurons per layer (of %d / %d)%n",
                    draw, task.model.config().numHeads(), task.model.config().intermediateSize());
            StringBuilder header = new StringBuilder("| balance | budget | test accuracy |");
            for (int l = 0; l < task.model.config().numLayers(); l++) {
                header.append(" layer ").append(l).append(" |");
            }
            System.out.println(header);
            System.out.println("|---|---|---|" + "---|".repeat(task.model.config().numLayers()));
            for (double lambda : lambdas) {
                ScoreCombiner.Combined c = ScoreCombiner.combine(table, settings.withLambda(lambda), true);
                BudgetSolver solver = new BudgetSolver(new UnitScores(c.headScores(), c.neuronScores()), task.flops);
                for (double budget : BUDGETS) {
                    UnitMask m = solver.solve(budget).mask();
                    StringBuilder layers = new StringBuilder();
                    for (int l = 0; l < m.layers(); l++) {
                        layers.append(String.format(" %2d / %4d |", m.keptHeads(l).length, m.keptNeurons(l).length));
                    }
                    System.out.printf("| lambda %s | %s | %.1f%% |%s%n", BenchFormat.number(lambda),
                            BenchFormat.number(budget), 100 * task.evaluator.accuracy(enc, m, task.test).value(),
                            layers);
                }
            }
        }
    }
}
