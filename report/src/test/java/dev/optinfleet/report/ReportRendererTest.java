package dev.optinfleet.report;

import dev.optinfleet.schemas.scores.ScoresDocument;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML itself: every section and chart, self-contained, user text escaped. */
class ReportRendererTest {
    private static final Pattern IMG = Pattern.compile("<img id=\"([^\"]+)\"[^>]* src=\"data:image/png;base64,");
    private static final String HOSTILE = "<script>alert('x')</script>&\"";

    @Test
    void everySectionAndEveryChartIsThere() {
        String html = ReportRenderer.render(RealJob.fullData());
        for (String section : List.of("identity", "costs", "kept-per-layer", "importance", "evaluation", "timings",
                "settings")) {
            assertTrue(html.contains("<section id=\"" + section + "\">"), "section " + section);
        }
        assertEquals(List.of(ReportCharts.KEPT_HEADS, ReportCharts.KEPT_NEURONS, ReportCharts.HEAD_IMPORTANCE,
                ReportCharts.SOLUTION_PATH, ReportCharts.EVALUATION), imageIds(html));
        assertTrue(html.contains(RealJob.result().scores().weightsSha256()));
        assertTrue(html.contains("worker-a") && html.contains("job-42"));
    }

    @Test
    void costsTableShowsTheSizeOfEachBudgetsModelOnnx() throws java.io.IOException {
        var outputs = RealJob.result().budgets();
        String html = ReportRenderer.render(RealJob.data().withOnnxFiles(outputs));
        assertTrue(html.contains("<th>model.onnx</th>"), "column header");
        for (var o : outputs) {
            long bytes = java.nio.file.Files.size(o.dir().resolve("model.onnx"));
            String shown = String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
            assertTrue(html.contains("<td>" + shown + "</td>"), "budget " + o.budget() + " shows " + shown);
        }
    }

    @Test
    void needsNoNetworkAndNoScript() {
        String html = ReportRenderer.render(RealJob.fullData());
        assertFalse(html.contains("<script"), "the report has a script");
        assertFalse(Pattern.compile("(src|href)=\"(?!data:)").matcher(html).find(), "the report links out");
        assertFalse(html.contains("http://") || html.contains("https://"));
    }

    @Test
    void withoutTimingsEvaluationOrBudgetsTheirPartsAreLeftOutNotBroken() {
        ScoresDocument s = RealJob.result().scores();
        ReportData bare = ReportData.from(s, RealJob.dense(), List.of(), null, null);
        String html = ReportRenderer.render(bare);
        assertEquals(List.of(ReportCharts.HEAD_IMPORTANCE, ReportCharts.SOLUTION_PATH), imageIds(html));
        assertFalse(html.contains("<section id=\"evaluation\">"));
        assertFalse(html.contains("<section id=\"kept-per-layer\">"));
        assertTrue(html.contains("No timings were recorded"));
        assertTrue(html.contains("none solved"));
    }

    @Test
    void theSubmitterIsShownWhenKnownAndLeftOutWhenNot() {
        String html = ReportRenderer.render(RealJob.data().withJobId("job-7").withSubmitter("alice"));
        assertTrue(html.contains("submitted by alice · "), "the subtitle names the submitter");
        assertTrue(html.contains("<th>submitted by</th><td>alice</td>"), "the identity table names the submitter");
        String local = ReportRenderer.render(RealJob.data());
        assertFalse(local.contains("submitted by"), "a local run has no submitter");
    }

    @Test
    void userTextIsEscapedEverywhere() {
        ScoresDocument s = RealJob.result().scores();
        Map<String, Object> settings = new LinkedHashMap<>(s.settings());
        settings.put("note" + HOSTILE, HOSTILE);
        settings.put("list", List.of(HOSTILE));
        ScoresDocument named = new ScoresDocument(s.schemaVersion(), "model" + HOSTILE, s.weightsSha256(), settings,
                s.outputWeight(), s.tokensPerSequence(), s.sampleLengths(), s.terms(), s.headScores(),
                s.neuronScores());
        ReportData d = ReportData.from(named, RealJob.dense().config(), List.of(), null, null)
                .withJobId("job" + HOSTILE)
                .withSubmitter("alice" + HOSTILE)
                .withTimings(new Timings(1, 1, 1, List.of(new Timings.Worker("worker" + HOSTILE, 1, 1, 1))))
                .withEvaluation(Evaluation.of("metric" + HOSTILE, "data" + HOSTILE, 0.9, Map.of(0.5, 0.5)));
        String html = ReportRenderer.render(d);
        assertFalse(html.contains("<script"), "unescaped user text");
        assertFalse(html.contains("'x'"), "unescaped quote");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
        assertTrue(html.contains("<title>OPTIN pruning report: model&lt;script&gt;"));
        assertTrue(html.contains("submitted by alice&lt;script&gt;"), "the submitter is escaped");
    }

    @Test
    void escapeHandlesEveryHtmlSpecialCharacter() {
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;", ReportRenderer.escape("<a href=\"x\">&'</a>"));
        assertEquals("", ReportRenderer.escape(null));
        assertEquals("plain ü", ReportRenderer.escape("plain ü"));
    }

    @Test
    void numbersAreFormattedForPeople() {
        assertEquals("155 M", ReportRenderer.si(155_000_000));
        assertEquals("46.5 M", ReportRenderer.si(46_512_345));
        assertEquals("1.23 G", ReportRenderer.si(1_234_567_890));
        assertEquals("999", ReportRenderer.si(999));
        assertEquals("1.00 k", ReportRenderer.si(1000));
        assertEquals("0.5", ReportRenderer.budget(0.5));
        assertEquals("1", ReportRenderer.budget(1.0));
        assertEquals("9,216", ReportRenderer.count(9216));
    }

    static List<String> imageIds(String html) {
        List<String> ids = new ArrayList<>();
        Matcher m = IMG.matcher(html);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }
}
