package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ten errors a new user meets first, word for word, through the whole CLI: each says what
 * went wrong, where, and what to do next, and exits with its code. (Others are pinned where
 * their feature is tested, and the invalid-pipeline corpus pins every loader message.)
 */
class CommonErrorsTest {
    @TempDir
    Path dir;

    String file(String name, String yaml) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p.toString();
    }

    void expect(CliRunner.Result r, int code, String err) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(code);
        assertThat(r.err()).isEqualTo(err);
    }

    @Test
    void the_ten_most_common_errors_say_what_where_and_what_next() throws Exception {
        String ok = file("ok.yaml", "pipeline: p\nsteps:\n  - { id: a, type: shell, with: { command: \"true\" } }\n");
        String state = dir.resolve("state").toString();

        // 1. A pipeline file that is not there.
        String nope = dir.resolve("nope.yaml").toString();
        expect(CliRunner.run("validate", nope), 2, "error: " + nope + ":1:1: no such file; check the path (relative paths start "
                + "from the current directory)\n");
        // 2. Broken YAML.
        String broken = file("broken.yaml", "pipeline: p\nsteps:\n  - id: a\n    type: shell\n    with: { command: \"x\" \n");
        expect(CliRunner.run("validate", broken), 2, "error: " + broken + ":6:1: malformed YAML: expected ',' or '}', but got "
                + "<stream end> (while parsing a flow mapping that starts at line 5); check the indentation and quoting here\n");
        // 3. A misspelt key.
        String key = file("key.yaml", "pipeline: p\nsteps:\n  - id: a\n    type: shell\n    depnds_on: [b]\n    with: { command: \"x\" }\n");
        expect(CliRunner.run("validate", key), 2, "error: " + key + ":5:5: unknown key 'depnds_on' in step 'a'; did you mean 'depends_on'?\n");
        // 4. A dependency on a step that does not exist: never "did you mean" the step itself.
        String dep = file("dep.yaml", "pipeline: p\nsteps:\n  - { id: a, type: shell, depends_on: [b], with: { command: \"x\" } }\n");
        expect(CliRunner.run("validate", dep), 2, "error: " + dep + ":3:40: step 'a' depends on 'b', which is not a step; the pipeline has no other step\n");
        // 5. A cycle.
        String cycle = file("cycle.yaml", "pipeline: p\nsteps:\n  - { id: a, type: shell, depends_on: [b], with: { command: \"x\" } }\n"
                + "  - { id: b, type: shell, depends_on: [a], with: { command: \"x\" } }\n");
        expect(CliRunner.run("validate", cycle), 2, "error: " + cycle + ":3:40: the steps depend on each other in a cycle: a -> b -> a "
                + "(each step depends on the next); remove one of these depends_on\n");
        // 6. A misspelt step type.
        String type = file("type.yaml", "pipeline: p\nsteps:\n  - { id: a, type: shel, with: { command: \"x\" } }\n");
        expect(CliRunner.run("validate", type), 2, "error: " + type + ":3:20: unknown step type 'shel'; did you mean 'shell'? (known types: "
                + "download, shell, sql, compact, verify, swap, sync-metadata, check, notify)\n");
        // 7. A param the pipeline does not declare.
        expect(CliRunner.run("run", ok, "--param", "x=1", "--state-dir", state), 2, "error: --param x=1: " + ok + " has no param 'x' (it "
                + "declares no params); declare it under 'params:' first\n");
        // 8. A misspelt option.
        expect(CliRunner.run("run", ok, "--dryrun"), 2, "error: unknown option '--dryrun' for 'duckdag run'; did you mean '--dry-run'?\n"
                + "Run 'duckdag run --help' to see the options.\n");
        // 9. Resume with nothing to resume, and status before any run.
        expect(CliRunner.run("run", ok, "--resume", "--state-dir", state), 2, "error: pipeline p has no unfinished run to resume (in "
                + dir.resolve("state/p") + "); start a new one with 'duckdag run " + ok + "'\n");
        expect(CliRunner.run("status", ok, "--state-dir", state), 2, "error: pipeline p has not run yet (no runs in " + dir.resolve("state/p")
                + "); start it with 'duckdag run " + ok + "'\n");
        // 10. A state folder that is a file.
        Files.writeString(dir.resolve("state"), "");
        expect(CliRunner.run("run", ok, "--state-dir", state), 2, "error: settings.state_dir: " + state + " is a file, not a folder; move "
                + "that file away or point settings.state_dir elsewhere; nothing was run\n");
    }
}
