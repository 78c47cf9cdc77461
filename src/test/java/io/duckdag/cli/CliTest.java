package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    static final String NIGHTLY = "pipelines/nightly.yaml";

    @Test
    void validate_says_the_pipeline_is_valid() {
        CliRunner.Result r = CliRunner.run("validate", NIGHTLY);

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("pipelines/nightly.yaml: pipeline nightly is valid (7 steps, 19 after expansion).\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void an_invalid_pipeline_exits_2_with_one_error_line_naming_file_line_and_column() {
        String file = "src/test/resources/pipelines/invalid/unknown-step-key.yaml";
        for (String command : new String[] {"validate", "plan", "graph", "run"}) {
            CliRunner.Result r = CliRunner.run(command, file);

            assertThat(r.exitCode()).as(command).isEqualTo(2);
            assertThat(r.out()).as(command).isEmpty();
            assertThat(r.err()).as(command).isEqualTo("error: " + file
                    + ":8:5: unknown key 'dependson' in step 'b'; did you mean 'depends_on'?\n");
        }
    }

    @Test
    void plan_and_dry_run_print_the_same_plan(@TempDir Path state) {
        CliRunner.Result plan = CliRunner.run("plan", NIGHTLY, "--state-dir", state.toString());
        CliRunner.Result dry = CliRunner.run("run", NIGHTLY, "--dry-run", "--state-dir", state.toString());

        assertThat(plan.exitCode()).isZero();
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).isEqualTo(plan.out());
        assertThat(plan.out()).matches("(?s)Plan [0-9a-f]{6}-[0-9a-f]{6}-[0-9a-f]{6}-[0-9a-f]{6} for pipeline nightly "
                        + "\\(pipelines/nightly.yaml\\)\na new run \\(its id is given when it starts; <new run> below\\)\n.*")
                .endsWith("19 of 19 steps would run, 0 would be skipped.\n");
    }

    @Test
    void param_overrides_reach_the_plan_and_unknown_params_are_refused() throws Exception {
        CliRunner.Result ok = CliRunner.run("plan", NIGHTLY, "--param", "date=2024-07-01", "--json");
        JsonNode json = new ObjectMapper().readTree(ok.out());
        assertThat(json.get("params").get("date").asText()).isEqualTo("2024-07-01");
        assertThat(json.get("steps").get(0).get("with").get("date").asText()).isEqualTo("2024-07-01");

        CliRunner.Result bad = CliRunner.run("plan", NIGHTLY, "--param", "dat=2024-07-01");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("error: --param dat=2024-07-01: pipelines/nightly.yaml has no param 'dat'; "
                + "did you mean 'date'? (it declares: date); declare it under 'params:' first\n");
    }

    @Test
    void a_bad_param_value_is_refused_where_it_is_used() {
        CliRunner.Result r = CliRunner.run("plan", NIGHTLY, "--param", "date=yesterday");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: pipelines/nightly.yaml:30:33: date must be written YYYY-MM-DD, but is 'yesterday'\n");
    }

    @Test
    void graph_prints_dot_and_refuses_an_unknown_format() {
        CliRunner.Result dot = CliRunner.run("graph", NIGHTLY, "--format", "dot");
        assertThat(dot.exitCode()).isZero();
        assertThat(dot.out()).startsWith("digraph \"nightly\" {").contains("\"verify[income]\" -> \"swap[income]\";");

        CliRunner.Result bad = CliRunner.run("graph", NIGHTLY, "--format", "png");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: Invalid value for option '--format': expected one of [TEXT, DOT, MERMAID]");
    }

    @Test
    void usage_errors_exit_2_and_point_at_help() {
        CliRunner.Result none = CliRunner.run();
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).startsWith("error: a command is missing");

        CliRunner.Result unknown = CliRunner.run("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("error: unknown command 'frobnicate'; the commands are run, plan, validate, status, runs, report, "
                + "graph, query, rollback, gc, init, schema, completion, help\nRun 'duckdag --help' to see the options.\n");

        CliRunner.Result missing = CliRunner.run("plan");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("error: the pipeline FILE is missing; for example 'duckdag run pipelines/nightly.yaml'\n");
    }

    @Test
    void a_missing_file_is_named() {
        CliRunner.Result r = CliRunner.run("validate", "pipelines/nope.yaml");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: pipelines/nope.yaml:1:1: no such file; check the path (relative paths start from the current directory)\n");
    }

    @Test
    void help_and_version() {
        CliRunner.Result help = CliRunner.run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("run", "plan", "validate", "graph", "Exit codes:");
        // Only the command named is built for a command line; help still knows every one.
        for (Class<?> command : Main.SUBCOMMANDS) {
            String name = command.getAnnotation(picocli.CommandLine.Command.class).name();
            assertThat(help.out()).containsPattern("\\n  " + name + " +[A-Z]");
            CliRunner.Result one = CliRunner.run("help", name);
            assertThat(one.exitCode()).isZero();
            assertThat(one.out()).startsWith("Usage: duckdag " + name);
        }

        CliRunner.Result version = CliRunner.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("duckdag ");
    }

    @Test
    void plan_writes_nothing_even_with_absolute_folders(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, Files.readString(Path.of(NIGHTLY))
                .replace("lake: data/parquet", "lake: " + dir.resolve("lake"))
                .replace("state_dir: state", "state_dir: " + dir.resolve("state"))
                .replace("temp_directory: data/tmp", "temp_directory: " + dir.resolve("tmp")));

        assertThat(CliRunner.run("run", file.toString(), "--dry-run").exitCode()).isZero();
        assertThat(CliRunner.run("plan", file.toString(), "--json", "--state-dir", dir.resolve("s2").toString()).exitCode()).isZero();

        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void every_command_takes_h_and_help_and_exits_0() {
        for (String command : new String[] {"run", "plan", "validate", "status", "runs", "report", "graph", "query", "rollback", "gc", "init", "schema", "completion"}) {
            for (String flag : new String[] {"-h", "--help"}) {
                CliRunner.Result r = CliRunner.run(command, flag);
                assertThat(r.exitCode()).as(command + " " + flag).isZero();
                assertThat(r.out()).as(command + " " + flag).startsWith("Usage: duckdag " + command + " ");
                assertThat(r.err()).isEmpty();
            }
        }
    }

    @Test
    void a_misspelt_command_or_option_gets_a_did_you_mean_and_exit_2() {
        CliRunner.Result command = CliRunner.run("runn", NIGHTLY);
        assertThat(command.exitCode()).isEqualTo(2);
        assertThat(command.err()).isEqualTo("error: unknown command 'runn' (did you mean 'run'?); the commands are run, plan, validate, "
                + "status, runs, report, graph, query, rollback, gc, init, schema, completion, help\nRun 'duckdag --help' to see the options.\n");

        CliRunner.Result option = CliRunner.run("run", "--dryrun", NIGHTLY);
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.err()).isEqualTo("error: unknown option '--dryrun' for 'duckdag run'; did you mean '--dry-run'?\n"
                + "Run 'duckdag run --help' to see the options.\n");

        CliRunner.Result far = CliRunner.run("plan", "--frobnicate", NIGHTLY);
        assertThat(far.err()).startsWith("error: unknown option '--frobnicate' for 'duckdag plan'\n");
    }

    @Test
    void a_param_without_a_value_says_what_is_expected() {
        CliRunner.Result r = CliRunner.run("plan", NIGHTLY, "--param", "who");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --param takes KEY=VALUE, one param per --param (e.g. --param day=2024-06-30); got who\n"
                + "Run 'duckdag plan --help' to see the options.\n");
    }
}
