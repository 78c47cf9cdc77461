package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts duckdag as a separate process in an empty working directory, so that the
 * pipeline's relative folders (data/, state/) would appear there if anything wrote them.
 */
class DryRunProcessTest {

    @Test
    void dry_run_in_a_fresh_directory_leaves_it_untouched(@TempDir Path cwd) throws Exception {
        Files.copy(Path.of("pipelines/nightly.yaml"), cwd.resolve("nightly.yaml"));

        Result plan = duckdag(cwd, "run", "nightly.yaml", "--dry-run");
        Result json = duckdag(cwd, "plan", "nightly.yaml", "--json");

        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("19 of 19 steps would run");
        assertThat(json.code()).isZero();
        assertThat(json.out()).startsWith("{");
        try (Stream<Path> all = Files.walk(cwd)) {
            assertThat(all.map(cwd::relativize).map(Path::toString)).containsExactlyInAnyOrder("", "nightly.yaml");
        }
    }

    record Result(int code, String out, String err) {
    }

    static Result duckdag(Path cwd, String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("duckdag-out", ".txt");
        Path err = Files.createTempFile("duckdag-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("duckdag did not finish in 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
