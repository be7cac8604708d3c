package dev.optinfleet.report;

import dev.optinfleet.core.budget.UnitScores;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The report's plots, drawn with XChart off-screen and encoded as PNG. Pure functions of {@link ReportData}; each
 * chart is {@value #WIDTH} x {@value #HEIGHT} pixels. Needs a headless AWT (the default on a server without a
 * display; set {@code -Djava.awt.headless=true} elsewhere) and at least one font installed.
 */
public final class ReportCharts {
    public static final int WIDTH = 560;
    public static final int HEIGHT = 340;

    /** Element ids of the charts in report.html, one per chart. */
    public static final String KEPT_HEADS = "chart-kept-heads";
    public static final String KEPT_NEURONS = "chart-kept-neurons";
    public static final String HEAD_IMPORTANCE = "chart-head-importance";
    public static final String SOLUTION_PATH = "chart-solution-path";
    public static final String EVALUATION = "chart-evaluation";

    /** Colours of successive series (budgets), readable on white and distinct in grey. */
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};
    /** Heat map from "unimportant" (white) to "most important" (dark blue). */
    private static final Color[] HEAT = {new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08306b)};

    private ReportCharts() {
    }

    /**
     * One plot of the report.
     *
     * @param id    the img element's id in report.html
     * @param title what it shows
     * @param png   the encoded image, {@value #WIDTH} x {@value #HEIGHT}
     */
    public record ChartImage(String id, String title, byte[] png) {
        public ChartImage {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(title, "title");
            png = Objects.requireNonNull(png, "png").clone();
        }

        @Override
        public byte[] png() {
            return png.clone();
        }
    }

    /**
     * Every chart the data supports, in report order: kept heads and kept neurons per layer (when there are
     * budgets), head importance, solution path, evaluation (when given).
     */
    public static List<ChartImage> all(ReportData data) {
        List<ChartImage> charts = new ArrayList<>();
        if (!data.budgets().isEmpty()) {
            charts.add(keptHeads(data));
            charts.add(keptNeurons(data));
        }
        charts.add(headImportance(data));
        charts.add(solutionPath(data));
        if (data.evaluation() != null && !data.evaluation().points().isEmpty()) {
            charts.add(evaluation(data));
        }
        return List.copyOf(charts);
    }

    /** Kept heads of each layer, one bar per budget (grouped by layer); the y axis ends at H. */
    public static ChartImage keptHeads(ReportData data) {
        String title = "Kept heads per layer";
        return new ChartImage(KEPT_HEADS, title, png(perLayer(data, title, "kept heads", true,
                data.config().numHeads())));
    }

    /** Kept neurons of each layer, one bar per budget (grouped by layer); the y axis ends at F. */
    public static ChartImage keptNeurons(ReportData data) {
        String title = "Kept FFN neurons per layer";
        return new ChartImage(KEPT_NEURONS, title, png(perLayer(data, title, "kept neurons", false,
                data.config().intermediateSize())));
    }

    /** Head importance, layer x head, each score divided by the largest head score. */
    public static ChartImage headImportance(ReportData data) {
        String title = "Head importance (relative to the top head)";
        UnitScores s = data.scores();
        double max = 0;
        for (double[] row : s.heads()) {
            for (double v : row) {
                max = Math.max(max, v);
            }
        }
        List<Integer> heads = new ArrayList<>();
        for (int h = 0; h < s.headsPerLayer(); h++) {
            heads.add(h);
        }
        List<Integer> layers = new ArrayList<>();
        for (int l = 0; l < s.layers(); l++) {
            layers.add(l);
        }
        List<Number[]> cells = new ArrayList<>();
        for (int l = 0; l < s.layers(); l++) {
            for (int h = 0; h < s.headsPerLayer(); h++) {
                double v = max > 0 ? Math.max(0, s.head(l, h)) / max : 0;
                cells.add(new Number[] {h, l, v});
            }
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("head").yAxisTitle("layer").build();
        chart.getStyler().setRangeColors(HEAT).setMin(0).setMax(1).setShowValue(false)
                .setHeatMapDecimalValueFormatter(v -> String.format(Locale.ROOT, "%.2f", v));
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.addSeries("importance", heads, layers, cells);
        return new ChartImage(HEAD_IMPORTANCE, title, png(chart));
    }

    /**
     * The solution path against the budget: fraction of the total importance kept, of heads kept and of neurons
     * kept; the job's own budgets marked on the importance curve.
     */
    public static ChartImage solutionPath(ReportData data) {
        String title = "Solution path";
        SolutionPath path = data.path();
        double[] budgets = path.budgets();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("budget (kept"
                + " fraction of prunable FLOPs)").yAxisTitle("kept fraction").build();
        style(chart.getStyler());
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0)
                .setLegendPosition(Styler.LegendPosition.InsideSE).setDecimalPattern("0.0#");
        if (path.totalImportance() > 0) {
            line(chart, "importance kept", budgets, path.points().stream()
                    .mapToDouble(SolutionPath.Point::keptImportanceFraction).toArray(), PALETTE[0]);
        }
        line(chart, "heads", budgets, path.points().stream().mapToDouble(SolutionPath.Point::keptHeadFraction)
                .toArray(), PALETTE[1]);
        line(chart, "neurons", budgets, path.points().stream().mapToDouble(SolutionPath.Point::keptNeuronFraction)
                .toArray(), PALETTE[2]);
        if (!data.budgets().isEmpty() && path.totalImportance() > 0) {
            XYSeries jobs = chart.addSeries("job budgets",
                    data.budgets().stream().mapToDouble(BudgetSummary::budget).toArray(),
                    data.budgets().stream().mapToDouble(BudgetSummary::keptImportanceFraction).toArray());
            jobs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            jobs.setMarker(SeriesMarkers.DIAMOND);
            jobs.setMarkerColor(Color.BLACK);
        }
        return new ChartImage(SOLUTION_PATH, title, png(chart));
    }

    /** The evaluation metric against the budget, the dense model at budget 1.0. */
    public static ChartImage evaluation(ReportData data) {
        Evaluation e = Objects.requireNonNull(data.evaluation(), "evaluation");
        String title = capitalised(e.metric()) + " per budget";
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("budget (kept fraction of prunable FLOPs)").yAxisTitle(e.metric()).build();
        style(chart.getStyler());
        // 1.05: room for the dense marker at 1.0
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.05).setLegendPosition(Styler.LegendPosition.InsideSE)
                .setDecimalPattern("0.0#");
        boolean unitInterval = e.points().stream().allMatch(p -> p.value() >= 0 && p.value() <= 1)
                && (e.dense() == null || (e.dense() >= 0 && e.dense() <= 1));
        if (unitInterval) {
            chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        }
        XYSeries pruned = chart.addSeries("pruned", e.points().stream().mapToDouble(Evaluation.Point::budget).toArray(),
                e.points().stream().mapToDouble(Evaluation.Point::value).toArray());
        pruned.setLineColor(PALETTE[0]);
        pruned.setMarkerColor(PALETTE[0]);
        pruned.setMarker(SeriesMarkers.CIRCLE);
        pruned.setLineStyle(new BasicStroke(2f));
        if (e.dense() != null) {
            XYSeries dense = chart.addSeries("dense", new double[] {1.0}, new double[] {e.dense()});
            dense.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            dense.setMarker(SeriesMarkers.DIAMOND);
            dense.setMarkerColor(Color.BLACK);
        }
        return new ChartImage(EVALUATION, title, png(chart));
    }

    private static CategoryChart perLayer(ReportData data, String title, String yTitle, boolean heads, int max) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("layer")
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setAvailableSpaceFill(0.85);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax((double) max).setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendLayout(Styler.LegendLayout.Horizontal).setDecimalPattern("#,##0").setSeriesColors(PALETTE);
        List<String> layers = new ArrayList<>();
        for (int l = 0; l < data.config().numLayers(); l++) {
            layers.add(Integer.toString(l));
        }
        for (BudgetSummary b : data.budgets()) {
            int[] counts = heads ? b.headsPerLayer() : b.neuronsPerLayer();
            List<Integer> ys = new ArrayList<>();
            for (int c : counts) {
                ys.add(c);
            }
            chart.addSeries("budget " + ReportRenderer.budget(b.budget()), layers, ys);
        }
        return chart;
    }

    private static void line(XYChart chart, String name, double[] x, double[] y, Color color) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(2f));
    }

    private static void style(AxesChartStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderVisible(false);
        styler.setLegendBorderColor(new Color(0xdddddd));
        styler.setPlotGridLinesColor(new Color(0xe6e6e6));
        styler.setAntiAlias(true);
        styler.setChartTitleBoxVisible(false);
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }

    /** PNG bytes of a chart. */
    static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode chart '" + chart.getTitle() + "' as PNG", e);
        }
    }
}
