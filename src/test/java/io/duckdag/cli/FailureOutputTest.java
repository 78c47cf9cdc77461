package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed step shows what its command last wrote; a command that is not there is not retried. */
class FailureOutputTest {
    @TempDir
    Path dir;

    @Test
    void the_last_lines_of_a_failed_command_show_under_its_failed_line_and_in_status() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: p
                steps:
                  - id: fetch
                    type: shell
                    retries: 1
                    retry_delay: 10ms
                    with:
                      command: |
                        if [ ! -f %1$s ]; then touch %1$s; echo 'first attempt'; exit 7; fi
                        printf '\\n\\033[31mtwo\\033[0m\\n\\tthree\\n'
                        echo "progress 10%%\\rprogress 100%%"
                        echo 'boom: upstream API returned 503' >&2; exit 7
                """.formatted(dir.resolve("count")));

        CliRunner.Result run = CliRunner.run("run", file.toString(), "--state-dir", dir.resolve("state").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        // Only the second attempt's lines: the first attempt's output is in the same log, above it.
        assertThat(run.out()).contains("retry    fetch: attempt 1 of 2 failed: command exited with code 7",
                "FAILED   fetch (0.0s): command exited with code 7 [log: ",
                """
                .log]
                                  | two
                                  |  three
                                  | progress 100%
                                  | boom: upstream API returned 503
                """);
        assertThat(run.out()).doesNotContain("\u001B", "first attempt", "===");

        CliRunner.Result status = CliRunner.run("status", file.toString(), "--state-dir", dir.resolve("state").toString());
        assertThat(status.out()).contains("""
                fetch  failed               0.0s         2  command exited with code 7
                                                            | two
                                                            |  three
                                                            | progress 100%
                                                            | boom: upstream API returned 503

                """);

        JsonNode json = new ObjectMapper().readTree(CliRunner.run("status", file.toString(), "--state-dir",
                dir.resolve("state").toString(), "--json").out());
        assertThat(json.get("steps").get("fetch").get("output_tail").toString())
                .isEqualTo("[\"two\",\" three\",\"progress 100%\",\"boom: upstream API returned 503\"]");
    }

    @Test
    void a_command_that_is_not_found_fails_at_its_first_attempt_saying_why() throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: p
                steps:
                  - id: download
                    type: shell
                    retries: 5
                    retry_delay: 10ms
                    with: { command: "uv-not-installed run python download.py" }
                  - id: missing
                    type: shell
                    retries: 5
                    retry_delay: 10ms
                    with: { command: ["no-such-program-duckdag"] }
                """);

        CliRunner.Result run = CliRunner.run("run", file.toString(), "--state-dir", dir.resolve("state").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).doesNotContain("retry ")
                .contains("FAILED   download (", "command not found (exit 127): not retried; ", "uv-not-installed: ", "not found")
                .contains("FAILED   missing (", "cannot start no-such-program-duckdag: ", "; not retried");
        JsonNode json = new ObjectMapper().readTree(CliRunner.run("status", file.toString(), "--state-dir",
                dir.resolve("state").toString(), "--json").out());
        assertThat(json.get("steps").get("download").get("attempts").asInt()).isEqualTo(1);
        assertThat(json.get("steps").get("missing").get("attempts").asInt()).isEqualTo(1);
    }
}
