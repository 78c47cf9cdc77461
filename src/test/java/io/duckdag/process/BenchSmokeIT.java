package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness at a tiny scale, so that it keeps working: it generates a lake, runs the
 * script and duckdag on copies of it, and reports every figure. The figures themselves are
 * read in docs/BENCHMARKS.md, not asserted here; only what must hold at any scale is.
 */
class BenchSmokeIT {
    @TempDir
    Path dir;

    @Test
    void the_harness_runs_at_a_tiny_scale_and_reports_every_figure() throws Exception {
        Path log = dir.resolve("bench.log");
        Process p = new ProcessBuilder("bench/run.sh", "--lake", "tiny", "--work", dir.resolve("work").toString())
                .redirectErrorStream(false).redirectOutput(log.toFile()).redirectError(dir.resolve("progress.log").toFile()).start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the harness finished in 5 minutes").isTrue();
        String report = Files.readString(log);
        assertThat(p.exitValue()).as(report + Files.readString(dir.resolve("progress.log"))).isZero();

        assertThat(report).contains("| the script | ", "| duckdag run | ", "| ratio duckdag / script (pair by pair) | ",
                "| duckdag run, incremental | ", "| duckdag run with nothing to do | ", "| run per step, ms",
                "## Peak memory on a table larger than memory");
        // Every file duckdag writes is sorted, at any scale.
        assertThat(report).containsPattern("\\| after duckdag \\| (\\d+) \\| \\1 of \\1 \\(100%\\) \\|");
        assertThat(Files.readString(dir.resolve("work/results-tiny.md"))).isEqualTo(report);
    }
}
