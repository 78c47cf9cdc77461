package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duckdag.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lake commands through the whole CLI: run, plan with impact, rollback, gc. */
class LakeCliTest {
    @TempDir
    Path dir;

    Path pipeline() throws Exception {
        Path file = TestPipelines.write(dir.resolve("lake.yaml"), "lake", Map.of("dir", dir));
        Files.createDirectories(dir.resolve("lake/t/year=2024"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute("COPY (SELECT * FROM (VALUES ('b'), ('a')) v(code)) TO '" + dir.resolve("lake/t/year=2024/x.parquet") + "' (FORMAT PARQUET)");
        }
        return file;
    }

    @Test
    void plan_run_rollback_and_gc() throws Exception {
        String file = pipeline().toString();

        CliRunner.Result plan = CliRunner.run("plan", file);
        assertThat(plan.out()).contains("partitions to rewrite: 1 (year=2024); unchanged, skipped: 0", "2 rows (from footers)");

        // The same impact as numbers for programs, beside the lines.
        JsonNode steps = new ObjectMapper().readTree(CliRunner.run("plan", file, "--json").out()).get("steps");
        long bytes = Files.size(dir.resolve("lake/t/year=2024/x.parquet"));
        assertThat(steps.get(0).get("id").asText()).isEqualTo("compact[t]");
        assertThat(steps.get(0).get("impact").get(0).asText()).startsWith("partitions to rewrite: 1 (year=2024)");
        assertThat(steps.get(0).get("impact_numbers").toString()).isEqualTo("{\"partitions\":1,\"partitions_tiered\":0,"
                + "\"partitions_unchanged\":0,\"files\":1,\"bytes\":" + bytes + ",\"rows\":2}");
        assertThat(steps.get(1).get("impact_numbers").toString()).isEqualTo("{\"partitions\":1}");
        assertThat(steps.get(2).get("impact_numbers").toString()).isEqualTo("{\"partitions\":1,\"files\":1}");
        assertThat(steps.get(3).get("impact_numbers").toString()).isEqualTo("{\"views\":1}");

        CliRunner.Result run = CliRunner.run("run", file);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("ok       swap[t]", "partitions_swapped=1", "cleanup  removed staging");
        // The per-table summary after the step table.
        assertThat(run.out()).containsPattern("\ntable +partitions +files before -> after +bytes before -> after +rows +duplicates +quarantined +time\n"
                + "t +1 rewritten, 0 kept +1 -> 1 +\\d+ B -> \\d+ B +2 +0 +0 +\\d+\\.\\ds\n");

        CliRunner.Result badTable = CliRunner.run("rollback", file, "--table", "u");
        assertThat(badTable.exitCode()).isEqualTo(2);
        assertThat(badTable.err()).isEqualTo("error: --table u: the pipeline declares no table 'u' (tables: t)\n");

        CliRunner.Result rollback = CliRunner.run("rollback", file, "--table", "t");
        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("year=2024: 1 files put back, 1 compacted files moved to ")
                .endsWith("Rolled back 1 partition of t; run sync-metadata (or the pipeline) to refresh the views if they changed.\n");
        assertThat(dir.resolve("lake/t/year=2024/x.parquet")).exists();

        CliRunner.Result gc = CliRunner.run("gc", file);
        assertThat(gc.exitCode()).isZero();
        assertThat(gc.out()).isEqualTo("Nothing to remove.\n");
    }

    @Test
    void a_table_whose_compaction_fails_does_not_keep_an_all_done_sync_from_creating_the_other_views() throws Exception {
        Path file = dir.resolve("two.yaml");
        TestPipelines.write(file, "good-and-bad", Map.of("dir", dir, "bad_sort_by", "no_such_column"));
        for (String table : new String[] {"good", "bad"}) {
            Files.createDirectories(dir.resolve("lake/" + table + "/year=2024"));
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
                c.createStatement().execute("COPY (SELECT * FROM (VALUES ('b'), ('a'), ('c')) v(code)) TO '"
                        + dir.resolve("lake/" + table + "/year=2024/x.parquet") + "' (FORMAT PARQUET)");
            }
        }

        CliRunner.Result run = CliRunner.run("run", file.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).contains("FAILED   compact[bad]", "column no_such_column (in sort_by or key) is in none of its 1 files",
                "not run  swap[bad]: upstream verify[bad] did not succeed", "ok       swap[good]", "ok       sync (")
                .contains("failed (1 step failed); fix the cause, then resume it with: duckdag run " + file + " --resume");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("metadata.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT string_agg(code, ',' ORDER BY code) FROM good")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("a,b,c");
        }

        TestPipelines.write(file, "good-and-bad", Map.of("dir", dir, "bad_sort_by", "code"));
        CliRunner.Result resume = CliRunner.run("run", file.toString(), "--resume");

        assertThat(resume.exitCode()).as(resume.out() + resume.err()).isZero();
        assertThat(resume.out()).contains("skip     compact[good]", "skip     swap[good]", "ok       compact[bad]", "ok       sync (")
                .doesNotContain("ok       compact[good]");
    }

    @Test
    void query_prints_a_select_on_the_views_as_a_table_csv_or_json_and_refuses_anything_else() throws Exception {
        String file = pipeline().toString();
        CliRunner.Result before = CliRunner.run("query", file, "SELECT 1");
        assertThat(before.exitCode()).isEqualTo(1);
        assertThat(before.err()).isEqualTo("error: the metadata database " + dir.resolve("metadata.db") + " does not exist yet; run the "
                + "pipeline (its sync-metadata step creates it) or check settings.metadata_db\n");
        assertThat(CliRunner.run("run", file).exitCode()).isZero();

        CliRunner.Result table = CliRunner.run("query", file, "SELECT code, year, NULL AS n FROM t ORDER BY code");
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).isEqualTo("""
                code  year  n
                ----  ----  ----
                a     2024  NULL
                b     2024  NULL
                (2 rows)
                """);
        CliRunner.Result csv = CliRunner.run("query", file, "SELECT code || ',x' AS c, count(*) AS n FROM t GROUP BY ALL ORDER BY c", "--format", "csv");
        assertThat(csv.out()).isEqualTo("c,n\n\"a,x\",1\n\"b,x\",1\n");
        CliRunner.Result json = CliRunner.run("query", file, "SELECT code, year FROM t ORDER BY code LIMIT 1", "--format", "json");
        assertThat(json.out().replaceAll("\\s", "")).isEqualTo("[{\"code\":\"a\",\"year\":2024}]");

        for (String bad : new String[] {"COPY (SELECT 1) TO '" + dir.resolve("x.csv") + "'", "SELECT 1; DROP VIEW t", "DROP VIEW t"}) {
            CliRunner.Result r = CliRunner.run("query", file, bad);
            assertThat(r.exitCode()).as(bad).isEqualTo(2);
            assertThat(r.err()).as(bad).startsWith("error: duckdag query runs one SELECT (or WITH ... SELECT) and nothing else;");
        }
        assertThat(dir.resolve("x.csv")).doesNotExist();
        assertThat(CliRunner.run("query", file, "SELECT count(*) FROM t").out()).contains("2");

        CliRunner.Result wrong = CliRunner.run("query", file, "SELECT nope FROM t");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).startsWith("error: DuckDB could not run the query: Binder Error: Referenced column \"nope\" not found");
    }

    @Test
    void completion_prints_a_script_that_bash_accepts() throws Exception {
        CliRunner.Result r = CliRunner.run("completion", "bash");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("complete -F _complete_duckdag -o default duckdag", "query", "--dry-run");
        Path script = dir.resolve("duckdag-completion.bash");
        Files.writeString(script, r.out());
        Process bash = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p duckdag").redirectErrorStream(true).start();
        String said = new String(bash.getInputStream().readAllBytes());
        assertThat(bash.waitFor()).as(said).isZero();
        assertThat(said).contains("_complete_duckdag");
        assertThat(CliRunner.run("completion", "zsh").out()).startsWith("autoload -U +X compinit && compinit\n");
    }

    @Test
    void init_finds_the_tables_guesses_sort_and_key_says_why_and_writes_a_pipeline_that_validates() throws Exception {
        Path lake = dir.resolve("data/parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (int year : new int[] {2023, 2024}) {
                Files.createDirectories(lake.resolve("daily_basic/year=" + year));
                Files.createDirectories(lake.resolve("income/year=" + year));
                c.createStatement().execute("COPY (SELECT printf('%06d.SZ', i) AS ts_code, DATE '" + year + "-01-02' + (i % 7)::INTEGER AS trade_date, "
                        + "i * 1.5 AS close FROM range(50) r(i)) TO '" + lake.resolve("daily_basic/year=" + year + "/a.parquet") + "' (FORMAT PARQUET)");
                // Two versions of one report: the guessed key (ts_code, end_date, report_type) is not unique.
                c.createStatement().execute("COPY (SELECT '000001.SZ' AS ts_code, '" + year + "1231' AS end_date, '1' AS report_type, i AS revenue "
                        + "FROM range(2) r(i)) TO '" + lake.resolve("income/year=" + year + "/a.parquet") + "' (FORMAT PARQUET)");
            }
            Files.createDirectories(lake.resolve("bad name/year=2024"));
            c.createStatement().execute("COPY (SELECT 1 AS x) TO '" + lake.resolve("bad name/year=2024/a.parquet") + "' (FORMAT PARQUET)");
        }
        Path out = dir.resolve("pipelines/nightly.yaml");

        CliRunner.Result r = CliRunner.run("init", "--lake", lake.toString(), "--out", out.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(
                "skipped bad name: a table's name must be letters, digits, '_' and '-'",
                "daily_basic: 2 files, 100 rows, partitioned by year",
                "  ts_code looks like an instrument's code",
                "  trade_date (DATE) looks like the date a row is about",
                "  key ts_code, trade_date: unique in all 100 rows, so declared",
                "income: 2 files, 4 rows, partitioned by year",
                "  end_date (VARCHAR) looks like the date a row is about",
                "  key ts_code, end_date, report_type: NOT declared, 2 rows share a key with another",
                "wrote " + out + " (2 tables)");
        String yaml = Files.readString(out);
        assertThat(yaml).contains("  daily_basic: { partition_by: [year], sort_by: [ts_code, trade_date], key: [ts_code, trade_date] }\n",
                "  income: { partition_by: [year], sort_by: [ts_code, end_date] }\n", "  lake: " + lake + "\n",
                "  staging: " + dir.resolve("data/staging") + "\n");
        assertThat(out.resolveSibling("pipeline.schema.json")).exists();
        assertThat(CliRunner.run("validate", out.toString()).exitCode()).isZero();

        CliRunner.Result again = CliRunner.run("init", "--lake", lake.toString(), "--out", out.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).startsWith("error: " + out + " exists already; give another --out, or --force to overwrite it\n");
        CliRunner.Result none = CliRunner.run("init", "--lake", dir.resolve("nope").toString(), "--out", dir.resolve("x.yaml").toString());
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).startsWith("error: the lake folder " + dir.resolve("nope") + " does not exist;");
    }

    @Test
    void run_verbose_puts_the_sql_and_the_file_lists_in_the_step_logs() throws Exception {
        String file = pipeline().toString();
        CliRunner.Result run = CliRunner.run("run", file, "--verbose");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Path logs;
        try (var runs = Files.list(dir.resolve("state/lake/runs"))) {
            logs = runs.findFirst().orElseThrow().resolve("logs");
        }
        assertThat(logs.resolve("compact[t].log")).content().contains("sql> COPY (SELECT", "year=2024: read x.parquet (", "year=2024: wrote part-");
        assertThat(logs.resolve("verify[t].log")).content().contains("sql> SELECT count(*)");

        // Without --verbose (the same JVM, as the tests run) the logs hold no SQL.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute("COPY (SELECT 'c' AS code) TO '" + dir.resolve("lake/t/year=2024/y.parquet") + "' (FORMAT PARQUET)");
        }
        assertThat(CliRunner.run("run", file).exitCode()).isZero();
        Path latest;
        try (var runs = Files.list(dir.resolve("state/lake/runs"))) {
            latest = runs.sorted().reduce((a, b) -> b).orElseThrow().resolve("logs");
        }
        assertThat(latest).isNotEqualTo(logs);
        assertThat(latest.resolve("compact[t].log")).content().doesNotContain("sql>");
    }

    /** A pipeline of table t (sort_by and key as given) over dir/lake, with a shell step before the lake steps if {@code shellFirst}. */
    Path pipelineWith(String table, boolean shellFirst) throws Exception {
        return TestPipelines.write(dir.resolve("p.yaml"), shellFirst ? "shell-then-compact-verify" : "compact-verify",
                Map.of("dir", dir, "table", table));
    }

    void parquet(String relative, String select) throws Exception {
        Path f = dir.resolve(relative);
        Files.createDirectories(f.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute("COPY (" + select + ") TO '" + f + "' (FORMAT PARQUET)");
        }
    }

    @Test
    void plan_and_validate_refuse_a_sort_by_or_key_column_that_no_file_has_with_its_place_and_a_did_you_mean() throws Exception {
        parquet("lake/t/year=2023/a.parquet", "SELECT 'x' AS ts_code, DATE '2023-01-02' AS trade_date, 1.5 AS close");
        parquet("lake/t/year=2024/b.parquet", "SELECT 'y' AS ts_code, DATE '2024-01-02' AS trade_date, 2.5 AS close");
        String file = pipelineWith("t: { partition_by: [year], sort_by: [ts_cod, TRADE_DATE], key: [ts_code, trade_dat] }", false).toString();
        String expected = "error: " + file + ":10:40: table t: sort_by column ts_cod is in none of its 2 files; did you mean 'ts_code'? "
                + "(columns: ts_code, trade_date, close)\n"
                + "error: " + file + ":10:76: table t: key column trade_dat is in none of its 2 files; did you mean 'trade_date'? "
                + "(columns: ts_code, trade_date, close)\n";

        CliRunner.Result plan = CliRunner.run("plan", file);
        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.out()).isEmpty();
        assertThat(plan.err()).isEqualTo(expected);
        CliRunner.Result json = CliRunner.run("plan", file, "--json");
        assertThat(json.exitCode()).isEqualTo(2);
        assertThat(json.err()).isEqualTo(expected);
        CliRunner.Result validate = CliRunner.run("validate", file);
        assertThat(validate.exitCode()).isEqualTo(2);
        assertThat(validate.err()).isEqualTo(expected);

        // A-Z case does not matter (TRADE_DATE is trade_date), and partition columns come from the folders.
        String fixed = pipelineWith("t: { partition_by: [year], sort_by: [TS_CODE, year], key: [ts_code, trade_date] }", false).toString();
        assertThat(CliRunner.run("plan", fixed).exitCode()).isZero();
        assertThat(CliRunner.run("validate", fixed).out()).endsWith("pipeline p is valid (2 steps, 2 after expansion).\n");
    }

    @Test
    void the_column_check_reads_the_footers_of_the_200_newest_files_and_says_so() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            Files.createDirectories(dir.resolve("lake/t/year=2024"));
            for (int i = 0; i < 201; i++) {
                Path f = dir.resolve("lake/t/year=2024/f" + i + ".parquet");
                c.createStatement().execute("COPY (SELECT " + i + " AS n) TO '" + f + "' (FORMAT PARQUET)");
                Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L + i * 1000L));
            }
        }
        String file = pipelineWith("t: { partition_by: [year], sort_by: [m] }", false).toString();

        CliRunner.Result plan = CliRunner.run("plan", file);

        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.err()).isEqualTo("error: " + file + ":10:40: table t: sort_by column m is in none of the 200 most recently "
                + "written of its 201 files (footers read); did you mean 'n'? (columns: n)\n");
    }

    @Test
    void a_lake_folder_that_does_not_exist_is_an_error_unless_a_step_before_the_lake_steps_may_create_it() throws Exception {
        String file = pipelineWith("t: { partition_by: [year], sort_by: [code] }", false).toString();

        CliRunner.Result plan = CliRunner.run("plan", file);
        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.err()).isEqualTo("error: the lake folder " + dir.resolve("lake") + " does not exist, and no download, shell or sql "
                + "step runs before compact[t] that could create it; check settings.lake (relative paths start from the current directory)\n");
        // validate works without a lake.
        assertThat(CliRunner.run("validate", file).exitCode()).isZero();

        String fetched = pipelineWith("t: { partition_by: [year], sort_by: [code] }", true).toString();
        CliRunner.Result warned = CliRunner.run("plan", fetched);
        assertThat(warned.exitCode()).as(warned.err()).isZero();
        assertThat(warned.out()).contains("warning: the lake folder " + dir.resolve("lake") + " does not exist yet; the steps that run "
                + "before the lake steps (first) may create it; if they do not, the lake steps find no lake: check settings.lake\n");
        assertThat(new ObjectMapper().readTree(CliRunner.run("plan", fetched, "--json").out()).get("warnings").get(0).asText())
                .startsWith("the lake folder " + dir.resolve("lake") + " does not exist yet;");
    }
}
