package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report as a browser shows it: real headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it). */
class ReportBrowserTest {
    @TempDir
    Path dir;

    record Page(String dom, List<String> console, BufferedImage screenshot) {
    }

    @Test
    void the_report_loads_in_chromium_without_console_errors_and_shows_the_graph() throws Exception {
        Optional<Path> chromium = chromium();
        Assumptions.assumeTrue(chromium.isPresent(), "chromium is not on PATH, so the report is not tested in a browser (apt-get install chromium)");

        // the check below must be able to see an error: a page with one shows it
        Path broken = dir.resolve("broken.html");
        Files.writeString(broken, "<!DOCTYPE html><html><body><p>x</p><script>notDefined();</script></body></html>");
        assertThat(open(chromium.get(), broken).console()).anyMatch(line -> line.contains("Uncaught ReferenceError"));

        String file = ReportTest.pipeline(dir).toString();
        assertThat(ReportTest.cli("run", file).exitCode()).isEqualTo(1);
        CliRunner.Result report = ReportTest.cli("report", file);
        assertThat(report.exitCode()).as(report.err()).isZero();

        Page page = open(chromium.get(), Path.of(report.out().strip()));
        assertThat(page.console()).as("console messages").isEmpty();
        for (String step : new String[] {"compact[t]", "verify[t]", "swap[t]", "sync", "fetch", "publish"}) {
            assertThat(page.dom()).contains(">" + step + "</text>");
        }
        assertThat(page.dom()).contains("<svg id=\"dag\"", "<svg id=\"timeline\"");
        // the escaped markup of the error is text on the page, not an element
        assertThat(page.dom()).contains("cannot start &lt;script&gt;alert('x')&lt;/script&gt;");

        BufferedImage png = page.screenshot();
        assertThat(png.getWidth()).isEqualTo(1200);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < png.getHeight(); y += 2) {
            for (int x = 0; x < png.getWidth(); x += 2) {
                colours.add(png.getRGB(x, y));
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(20);
    }

    /** One headless Chromium: the DOM after load, the console lines it logged, and a screenshot. */
    private Page open(Path chromium, Path html) throws Exception {
        Path shot = Files.createTempFile(dir, "shot", ".png");
        Path dom = Files.createTempFile(dir, "dom", ".html");
        Path log = Files.createTempFile(dir, "chromium", ".log");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + dir.resolve("profile"), "--no-first-run", "--enable-logging=stderr", "--v=0",
                "--window-size=1200,900", "--screenshot=" + shot, "--dump-dom", html.toUri().toString())
                .redirectOutput(dom.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s; its log: " + Files.readString(log));
        }
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        // Chromium logs each console message (log, error, uncaught exception) as "INFO:CONSOLE..."
        List<String> console = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.contains("CONSOLE") || line.contains("Uncaught")) {
                console.add(line);
            }
        }
        BufferedImage image = ImageIO.read(shot.toFile());
        assertThat(image).as("a PNG screenshot in " + shot).isNotNull();
        return new Page(Files.readString(dom), console, image);
    }

    private static Optional<Path> chromium() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, "chromium")).filter(Files::isExecutable).findFirst();
    }
}
