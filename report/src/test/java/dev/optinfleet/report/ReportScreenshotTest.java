package dev.optinfleet.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * report.html of a real MiniLM job as a person sees it: headless Chromium renders the page, and every chart must be
 * there, laid out where the page says, and drawn. Two independent checks: the chart PNGs themselves have content,
 * and the screenshot, cut at each img's box (read back from the same page in the same window), shows that content.
 */
class ReportScreenshotTest {
    private static final int WINDOW_WIDTH = 1200;
    private static final int WINDOW_HEIGHT = 4000;
    /** A pixel with every channel at or above this is paper, below it ink. */
    private static final int PAPER = 245;
    /** Share of a chart's pixels that are ink at least (axes, labels, bars, cells, lines). */
    private static final double MIN_INK = 0.04;
    /** Standard deviation of luminance (0-255) at least: a blank or one-colour area has about 0. */
    private static final double MIN_LUMINANCE_STDDEV = 20;
    /** Mean absolute difference per channel (0-255) at most between a chart's PNG and its place in the screenshot. */
    private static final double MAX_MEAN_DIFFERENCE = 6;
    private static final Pattern LAYOUT = Pattern.compile("<pre id=\"layout\">(.*?)</pre>", Pattern.DOTALL);
    /** Appended to a copy of the page: writes each img's content box, in page pixels, once the page has loaded. */
    private static final String LAYOUT_SCRIPT = """
            <script>
            addEventListener('load', () => {
              const rows = Array.from(document.images).map(i => {
                const r = i.getBoundingClientRect();
                return [i.id, Math.round(r.left + scrollX + i.clientLeft), Math.round(r.top + scrollY + i.clientTop),
                        i.clientWidth, i.clientHeight, i.naturalWidth, i.naturalHeight].join(' ');
              });
              const pre = document.createElement('pre');
              pre.id = 'layout';
              pre.textContent = rows.join('\\n');
              document.body.appendChild(pre);
            });
            </script>
            """;

    @TempDir
    Path dir;

    @Test
    void everyChartIsDrawnAndShowsInAHeadlessChromiumScreenshot() throws Exception {
        Chromium chromium = Chromium.locate(dir);
        ReportData data = RealJob.fullData();
        List<ReportCharts.ChartImage> charts = ReportCharts.all(data);
        Path html = ReportWriter.write(data, dir.resolve("report"));
        String page = Files.readString(html);
        assertEquals(charts.stream().map(ReportCharts.ChartImage::id).toList(), ReportRendererTest.imageIds(page),
                "every chart, and only charts, as an img with its id");

        Map<String, BufferedImage> images = new LinkedHashMap<>();
        for (ReportCharts.ChartImage c : charts) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(c.png()));
            assertNotNull(img, c.id() + " is not a PNG");
            assertEquals(ReportCharts.WIDTH, img.getWidth(), c.id());
            assertEquals(ReportCharts.HEIGHT, img.getHeight(), c.id());
            assertDrawn(c.id() + " (PNG)", img);
            images.put(c.id(), img);
        }

        Map<String, Rectangle> boxes = layout(chromium, page);
        BufferedImage shot = ImageIO.read(chromium.screenshot(html, dir.resolve("screenshot.png"), WINDOW_WIDTH,
                WINDOW_HEIGHT).toFile());
        assertEquals(WINDOW_WIDTH, shot.getWidth());
        assertEquals(WINDOW_HEIGHT, shot.getHeight());

        Map<Integer, Rectangle> bands = new TreeMap<>();
        for (Map.Entry<String, BufferedImage> e : images.entrySet()) {
            String id = e.getKey();
            Rectangle box = boxes.get(id);
            assertNotNull(box, "chromium laid out no img#" + id);
            assertEquals(new Rectangle(box.x, box.y, ReportCharts.WIDTH, ReportCharts.HEIGHT), box,
                    id + " should be shown at its natural size");
            assertTrue(box.x >= 0 && box.x + box.width <= WINDOW_WIDTH && box.y + box.height <= WINDOW_HEIGHT,
                    id + " at " + box + " lies outside the " + WINDOW_WIDTH + " x " + WINDOW_HEIGHT + " screenshot");
            BufferedImage shown = shot.getSubimage(box.x, box.y, box.width, box.height);
            assertDrawn(id + " (screenshot)", shown);
            double diff = meanDifference(e.getValue(), shown);
            assertTrue(diff <= MAX_MEAN_DIFFERENCE, id + ": the screenshot differs from the chart by " + diff
                    + " per channel on average");
            bands.merge(box.y, new Rectangle(0, box.y, WINDOW_WIDTH, box.height), Rectangle::union);
        }
        for (Rectangle band : bands.values()) {
            assertDrawn("the chart band at y = " + band.y, shot.getSubimage(band.x, band.y, band.width, band.height));
        }
    }

    /** Each img's content box, from a copy of the page that writes them into itself once loaded. */
    private Map<String, Rectangle> layout(Chromium chromium, String page) throws IOException, InterruptedException {
        Path copy = dir.resolve("report").resolve("layout.html");
        Files.writeString(copy, page.replace("</body>", LAYOUT_SCRIPT + "</body>"));
        String dom = chromium.dumpDom(copy, WINDOW_WIDTH, WINDOW_HEIGHT);
        Matcher m = LAYOUT.matcher(dom);
        assertTrue(m.find(), "the layout script wrote nothing; chromium printed:\n"
                + dom.substring(0, Math.min(2000, dom.length())));
        Map<String, Rectangle> boxes = new LinkedHashMap<>();
        for (String line : m.group(1).strip().split("\n")) {
            String[] f = line.strip().split(" ");
            assertEquals(7, f.length, "layout line '" + line + "'");
            assertEquals(ReportCharts.WIDTH + "x" + ReportCharts.HEIGHT, f[5] + "x" + f[6],
                    "chromium could not decode img#" + f[0]);
            boxes.put(f[0], new Rectangle(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    Integer.parseInt(f[4])));
        }
        return boxes;
    }

    private static void assertDrawn(String what, BufferedImage img) {
        long ink = 0;
        double sum = 0;
        double sumSquares = 0;
        int n = img.getWidth() * img.getHeight();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (r < PAPER || g < PAPER || b < PAPER) {
                    ink++;
                }
                double lum = 0.299 * r + 0.587 * g + 0.114 * b;
                sum += lum;
                sumSquares += lum * lum;
            }
        }
        double share = (double) ink / n;
        double mean = sum / n;
        double stddev = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
        assertTrue(share >= MIN_INK, what + ": only " + share + " of its pixels are drawn");
        assertTrue(stddev >= MIN_LUMINANCE_STDDEV, what + ": luminance varies by only " + stddev);
    }

    private static double meanDifference(BufferedImage a, BufferedImage b) {
        long total = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    total += Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
                }
            }
        }
        return total / (3.0 * a.getWidth() * a.getHeight());
    }
}
