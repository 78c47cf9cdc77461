package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.TestPipelines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duckdag report}: one self-contained page of a real run, a lake table and a failing step in it. */
class ReportTest {
    @TempDir
    Path dir;

    /**
     * A lake pipeline of one table, and a shell step whose program name holds markup, retried
     * once, so its error (which names the program) must be escaped in the page.
     */
    static Path pipeline(Path dir) throws Exception {
        Path file = TestPipelines.write(dir.resolve("lake.yaml"), "lake-and-shell-steps", Map.of("dir", dir));
        for (String year : new String[] {"2023", "2024"}) {
            Files.createDirectories(dir.resolve("lake/t/year=" + year));
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
                for (int f = 0; f < 3; f++) {
                    c.createStatement().execute("COPY (SELECT * FROM (VALUES ('b" + f + "'), ('a" + f + "')) v(code)) TO '"
                            + dir.resolve("lake/t/year=" + year + "/x" + f + ".parquet") + "' (FORMAT PARQUET)");
                }
            }
        }
        return file;
    }

    /** The CLI with the real clock, so that the steps' times differ as they would for a user. */
    static CliRunner.Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new Main(Map.of("HOME", "/home/analyst"), Clock.systemUTC())
                .execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRunner.Result(code, out.toString(), err.toString());
    }

    @Test
    void writes_one_self_contained_page_with_every_step_and_the_escaped_failure() throws Exception {
        String file = pipeline(dir).toString();
        CliRunner.Result run = cli("run", file);
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);

        CliRunner.Result report = cli("report", file);
        assertThat(report.exitCode()).as(report.err()).isZero();
        Path page = Path.of(report.out().strip());
        assertThat(page.getFileName().toString()).isEqualTo("report.html");
        assertThat(page.getParent().getParent()).isEqualTo(dir.resolve("state/lake/runs"));
        String html = Files.readString(page);

        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        // nothing fetched: no links to anywhere, no scripts or styles from files
        assertThat(html).doesNotContain("http://", "https://", "src=", "<link rel=\"stylesheet\"", "@import", "url(");
        assertThat(html).doesNotContain("<script>alert").contains("cannot start &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        for (String step : new String[] {"compact[t]", "verify[t]", "swap[t]", "sync", "fetch", "flaky", "publish"}) {
            assertThat(html).contains(">" + step + "</text>", "<code>" + step + "</code>");
        }
        assertThat(html).contains("<svg id=\"dag\"", "<svg id=\"timeline\"", "<figcaption>t</figcaption>", "upstream_failed");
        // a program that cannot start is not retried; flaky ran twice: its first attempt is drawn beside the last one
        assertThat(html).contains("<title>fetch: failed").doesNotContain("fetch attempt 2 of 2");
        assertThat(html).contains("flaky attempt 1 of 2: failed, retried", "flaky attempt 2 of 2: failed");
        // the table went from six files to two
        assertThat(html).containsPattern("before</text><rect class=\"before\"[^>]*/><text class=\"num\"[^>]*>6</text>");
        assertThat(html).containsPattern("after</text><rect class=\"after\"[^>]*/><text class=\"num\"[^>]*>2</text>");

        Path elsewhere = dir.resolve("out/r.html");
        CliRunner.Result named = cli("report", file, "--run", page.getParent().getFileName().toString(), "--out", elsewhere.toString());
        assertThat(named.exitCode()).as(named.err()).isZero();
        assertThat(named.out()).isEqualTo(elsewhere + "\n");
        assertThat(elsewhere).exists();
    }

    @Test
    void a_pipeline_that_has_not_run_or_an_unknown_run_is_a_usage_error() throws Exception {
        String file = pipeline(dir).toString();
        CliRunner.Result none = cli("report", file);
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).startsWith("error: pipeline lake has not run yet");

        assertThat(cli("run", file).exitCode()).isEqualTo(1);
        CliRunner.Result unknown = cli("report", file, "--run", "20200101-000000-000");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("error: pipeline lake has no run 20200101-000000-000; 'duckdag runs " + file
                + "' lists its runs\n");
    }
}
