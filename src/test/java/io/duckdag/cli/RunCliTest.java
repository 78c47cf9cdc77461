package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duckdag.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run, status, runs, --resume, --explain and --plan through the whole CLI, in-process. */
class RunCliTest {
    @TempDir
    Path dir;

    String state() {
        return dir.resolve("state").toString();
    }

    @Test
    void the_hello_example_runs_and_status_and_runs_show_it() throws Exception {
        CliRunner.Result run = CliRunner.run("run", "pipelines/hello.yaml", "--state-dir", state());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("run 20240630-010203-004 of pipeline hello (pipelines/hello.yaml): 4 steps to run, 0 to skip\n")
                .contains("start    greet", "ok       count[5]", "ok       done")
                .endsWith("Run 20240630-010203-004 succeeded.\n");
        assertThat(dir.resolve("state/hello/runs/20240630-010203-004/logs/greet.log")).content()
                .contains("hello analyst, this is run 20240630-010203-004 of 2024-06-30");

        CliRunner.Result status = CliRunner.run("status", "pipelines/hello.yaml", "--state-dir", state());
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).startsWith("run 20240630-010203-004 of pipeline hello: succeeded (started 2024-06-30 01:02:03")
                .contains("count[3]  succeeded", "result_rows=1");

        JsonNode json = new ObjectMapper().readTree(CliRunner.run("status", "pipelines/hello.yaml", "--state-dir", state(), "--json").out());
        assertThat(json.get("steps").get("done").get("status").asText()).isEqualTo("succeeded");
        assertThat(json.get("pipeline_sha256").asText()).hasSize(64);

        CliRunner.Result runs = CliRunner.run("runs", "pipelines/hello.yaml", "--state-dir", state());
        assertThat(runs.out()).contains("20240630-010203-004     succeeded    2024-06-30 01:02:03  4 succeeded");
    }

    @Test
    void a_failed_run_exits_1_and_resume_with_explain_says_why_each_step_runs() throws Exception {
        Path file = dir.resolve("p.yaml");
        Path marker = dir.resolve("fixed");
        Files.writeString(file, """
                pipeline: p
                steps:
                  - id: ok
                    type: shell
                    with: { command: "true" }
                  - id: check
                    type: shell
                    depends_on: [ok]
                    with: { command: "test -f %s" }
                """.formatted(marker));

        CliRunner.Result failed = CliRunner.run("run", file.toString(), "--state-dir", state());
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.out()).contains("FAILED   check", "command exited with code 1",
                "Run 20240630-010203-004 failed (1 step failed); fix the cause, then resume it with: duckdag run " + file + " --resume");

        CliRunner.Result note = CliRunner.run("plan", file.toString(), "--state-dir", state());
        assertThat(note.out()).contains("Note: run 20240630-010203-004 is unfinished (failed); 'duckdag run " + file + " --resume' would resume it.");

        Files.createFile(marker);
        // plan takes --explain as run does, and says the same why for each step.
        CliRunner.Result explained = CliRunner.run("plan", file.toString(), "--state-dir", state(), "--resume", "--explain");
        assertThat(explained.exitCode()).as(explained.err()).isZero();
        assertThat(explained.out()).contains("resuming run 20240630-010203-004 (failed)",
                "skip (succeeded in run 20240630-010203-004)",
                "run (failed in run 20240630-010203-004: command exited with code 1)",
                "1 of 2 steps would run, 1 would be skipped.");
        CliRunner.Result resumed = CliRunner.run("run", file.toString(), "--state-dir", state(), "--resume", "--explain");
        assertThat(resumed.exitCode()).isZero();
        assertThat(resumed.out()).contains("resuming run 20240630-010203-004 (failed)",
                "checkpoints: run 20240630-010203-004: 1 succeeded, 1 failed",
                "skip (succeeded in run 20240630-010203-004)",
                "run (failed in run 20240630-010203-004: command exited with code 1)");

        CliRunner.Result none = CliRunner.run("run", file.toString(), "--state-dir", state(), "--resume");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).startsWith("error: pipeline p has no unfinished run to resume");

        CliRunner.Result named = CliRunner.run("status", file.toString(), "--state-dir", state(), "--run", "20991231-000000-000");
        assertThat(named.err()).isEqualTo("error: pipeline p has no run 20991231-000000-000; 'duckdag runs " + file + "' lists its runs\n");
        CliRunner.Result badId = CliRunner.run("run", file.toString(), "--state-dir", state(), "--resume", "yesterday");
        assertThat(badId.err()).startsWith("error: --resume yesterday: not a run id");
    }

    @Test
    void run_with_the_plan_id_that_plan_printed_runs_and_a_stale_one_is_refused() throws Exception {
        CliRunner.Result plan = CliRunner.run("plan", "pipelines/hello.yaml", "--state-dir", state());
        Matcher m = Pattern.compile("^Plan (\\S+) ").matcher(plan.out());
        assertThat(m.find()).isTrue();
        String id = m.group(1);

        CliRunner.Result stale = CliRunner.run("run", "pipelines/hello.yaml", "--state-dir", state(), "--plan", id, "--param", "who=bob");
        assertThat(stale.exitCode()).isEqualTo(2);
        assertThat(stale.err()).startsWith("error: the plan changed since " + id + " was printed: the params changed; nothing was run.");

        CliRunner.Result ok = CliRunner.run("run", "pipelines/hello.yaml", "--state-dir", state(), "--plan", id);
        assertThat(ok.exitCode()).as(ok.err()).isZero();

        CliRunner.Result malformed = CliRunner.run("run", "pipelines/hello.yaml", "--plan", "abc");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).startsWith("error: --plan abc: a plan id looks like");
    }

    /** Folders a run would write are tried before any work: a file in the way, or a read-only mount, is named with the OS's reason. */
    @Test
    void a_folder_that_cannot_be_written_stops_the_run_before_any_work() throws Exception {
        Path file = TestPipelines.write(dir.resolve("p.yaml"), "compact-only", Map.of("dir", dir, "lake", dir.resolve("lake")));
        Files.writeString(dir.resolve("state"), "not a folder");
        CliRunner.Result state = CliRunner.run("run", file.toString());
        assertThat(state.exitCode()).isEqualTo(2);
        assertThat(state.err()).isEqualTo("error: settings.state_dir: " + dir.resolve("state") + " is a file, not a folder; move that "
                + "file away or point settings.state_dir elsewhere; nothing was run\n");

        Files.delete(dir.resolve("state"));
        Files.writeString(dir.resolve("staging"), "not a folder");
        CliRunner.Result staging = CliRunner.run("run", file.toString());
        assertThat(staging.exitCode()).isEqualTo(2);
        assertThat(staging.err()).isEqualTo("error: settings.staging: " + dir.resolve("staging/deeper") + " cannot be created: "
                + dir.resolve("staging") + " is a file, not a folder; move that file away or point settings.staging elsewhere; nothing was run\n");
        assertThat(dir.resolve("state")).doesNotExist();

        // A read-only file system under the lake: root ignores permission bits, so mount one (where the test may).
        Files.delete(dir.resolve("staging"));
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro.toString()).redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes());
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a read-only tmpfs here (" + said.strip()
                + "): the read-only lake case is not tried");
        try {
            TestPipelines.write(file, "compact-only", Map.of("dir", dir, "lake", ro.resolve("lake")));
            CliRunner.Result lake = CliRunner.run("run", file.toString());
            assertThat(lake.exitCode()).isEqualTo(2);
            assertThat(lake.err()).isEqualTo("error: settings.lake: duckdag cannot write in " + ro + " (to create " + ro.resolve("lake")
                    + "): Read-only file system; fix its permissions or mount, or point settings.lake elsewhere; nothing was run\n");
        } finally {
            new ProcessBuilder("umount", "-l", ro.toString()).start().waitFor();
        }
    }

    /** A full disk under the state folder is the system's refusal, said as such, not "internal error, a bug". */
    @Test
    void a_full_disk_under_state_is_named_and_a_later_run_succeeds() throws Exception {
        Path state = Files.createDirectories(dir.resolve("small-state"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", state.toString()).redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes());
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (" + said.strip()
                + "): the full state disk is not tried");
        try {
            Path filler = state.resolve("filler");
            try (var out = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                for (int i = 0; i < 16; i++) {
                    out.write(block);
                }
            } catch (java.io.IOException full) {
                // filled: what the test wants
            }
            CliRunner.Result r = CliRunner.run("run", "pipelines/hello.yaml", "--state-dir", state.toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).startsWith("error: cannot write ").contains("No space left on device; the system refused it: free space or "
                    + "fix the permissions there, then run the command again").doesNotContain("a bug");

            Files.delete(filler);
            CliRunner.Result again = CliRunner.run("run", "pipelines/hello.yaml", "--state-dir", state.toString());
            assertThat(again.exitCode()).as(again.err()).isZero();
        } finally {
            new ProcessBuilder("umount", "-l", state.toString()).start().waitFor();
        }
    }
}
