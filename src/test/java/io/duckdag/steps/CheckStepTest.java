package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.engine.RunListener;
import io.duckdag.engine.RunOutcome;
import io.duckdag.engine.RunRequest;
import io.duckdag.kind.Cancellation;
import io.duckdag.plan.Selection;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check step on real Parquet files: every assertion passing and failing, staged before swap, live after sync, history and params. */
class CheckStepTest {
    static final String TABLE = "tables:\n  t: { partition_by: [year], sort_by: [code, d] }\n";
    /** Every assertion, each of which the good lake passes. */
    static final String ALL = """
            not_null: [code, d]
            unique: [[code, d]]
            accepted_range: { close: { min: 0, max: 100 } }
            row_count: { min: 2, max: 10 }
            freshness: { column: d, max_days: 1, as_of: "2024-06-30" }
            sql: "SELECT * FROM {table} WHERE close > 50"
            """;

    @TempDir
    Path dir;

    LakeFixture goodLake(String body) throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(TABLE + body);
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('A', '20240628', 10.0), ('B', '20240629', 11.0), ('C', '20240630', 12.5)) v(code, d, close)", 1000);
        f.write("t/year=2023/b.parquet", "SELECT * FROM (VALUES ('A', '20231229', 9.0)) v(code, d, close)", 1000);
        return f;
    }

    static String liveCheck(String assertions) {
        return """
                steps:
                  - id: check
                    type: check
                    retries: 2
                    retry_delay: 1s
                    with:
                      table: t
                      data: live
                """ + assertions.indent(6);
    }

    /** compact -> verify -> check (staged) -> swap -> sync. */
    static String stagedPipeline(String assertions) {
        return """
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - id: check
                    type: check
                    depends_on: [verify]
                    with:
                      table: t
                      data: staged
                """ + assertions.indent(6) + """
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify, check] }
                  - { id: sync, type: sync-metadata, depends_on: [swap] }
                """;
    }

    String log(LakeFixture f, String step) throws Exception {
        return Files.readString(f.store().logFile(f.latest().runId(), step));
    }

    @Test
    void every_assertion_passes_on_good_data_and_each_result_is_logged() throws Exception {
        LakeFixture f = goodLake(stagedPipeline(ALL));

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.OK);
        StepRecord check = f.latest().step("check").orElseThrow();
        assertThat(check.metrics()).containsEntry("assertions", 7).containsEntry("failed", 0).containsEntry("rows", 4);
        assertThat(log(f, "check")).contains(
                "checking t as staged by run " + f.latest().runId() + ": 2 files, 7 assertions\n"
                        + "4 rows; columns: code, d, close, year\n"
                        + "ok      not_null(code): no rows where code is NULL\n"
                        + "ok      not_null(d): no rows where d is NULL\n"
                        + "ok      unique(code, d): no value of (code, d) occurs twice\n"
                        + "ok      accepted_range(close): no rows outside close >= 0 and close <= 100\n"
                        + "ok      row_count: 4 rows, at least 2, at most 10\n"
                        + "ok      freshness(d): the latest d is 2024-06-30, 0 days before 2024-06-30 (at most 1)\n"
                        + "ok      sql: no rows returned\n");
    }

    @Test
    void every_failing_assertion_is_reported_with_its_count_and_first_rows_and_the_step_is_not_retried() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(TABLE + liveCheck("""
                not_null: [code, d]
                unique: [[code, d], close]
                accepted_range: { close: { min: 0, max: 100 } }
                row_count: { min: 10 }
                freshness: { column: d, max_days: 3, as_of: "2024-06-30" }
                sql: "SELECT code, close FROM {table} WHERE close > 100;"
                """));
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('A', '20240601', -1.0), (NULL, '20240602', 5.0), ('A', '20240601', 200.0), "
                + "('B', NULL, 3.0)) v(code, d, close)", 1000);

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        StepRecord check = f.latest().step("check").orElseThrow();
        assertThat(check.attempts()).as("a data check is not retried").isEqualTo(1);
        assertThat(check.error()).isEqualTo("7 of 8 assertions failed on live t: "
                + "not_null(code): 1 row where code is NULL; "
                + "not_null(d): 1 row where d is NULL; "
                + "unique(code, d): 1 value of (code, d) occurs more than once (2 rows); "
                + "accepted_range(close): 2 rows outside close >= 0 and close <= 100; "
                + "row_count: 4 rows, fewer than the minimum 10; "
                + "freshness(d): the latest d is 2024-06-02, 28 days before 2024-06-30 (at most 3 allowed); "
                + "sql: 1 row returned. "
                + "If the data is right, correct the assertion and resume the run; otherwise correct the files in the lake and resume. "
                + "Not retried: the data would be the same");
        assertThat(check.outputTail()).containsExactly(
                "not_null(code): {code: NULL, d: '20240602', close: 5.0, year: 2024}",
                "not_null(d): {code: 'B', d: NULL, close: 3.0, year: 2024}",
                "unique(code, d): {code: 'A', d: '20240601'} x 2",
                "accepted_range(close): {code: 'A', d: '20240601', close: -1.0, year: 2024}",
                "accepted_range(close): {code: 'A', d: '20240601', close: 200.0, year: 2024}",
                "sql: {code: 'A', close: 200.0}");
        assertThat(log(f, "check")).contains("ok      unique(close): no value of close occurs twice\n")
                .contains("FAILED  not_null(code): 1 row where code is NULL\n          {code: NULL, d: '20240602', close: 5.0, year: 2024}\n");
    }

    @Test
    void at_most_five_rows_are_shown_and_a_missing_column_or_bad_sql_fails_its_assertion_only() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(TABLE + liveCheck("""
                not_null: [cose]
                accepted_range: { d: { min: 0 } }
                sql: ["SELECT * FROM {table} WHERE close < 0", "SELECT nope FROM {table}"]
                """));
        f.write("t/year=2024/a.parquet", "SELECT 'c' || i AS code, '20240630' AS d, -i::DOUBLE AS close FROM range(1, 8) r(i)", 1000);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);

        StepRecord check = f.latest().step("check").orElseThrow();
        assertThat(check.error()).startsWith("4 of 4 assertions failed on live t: "
                + "not_null(cose): column cose is in none of the files; did you mean 'code'? (columns: code, d, close, year); "
                + "accepted_range(d): d is VARCHAR, not a number; accepted_range compares numbers; "
                + "sql[1]: 7 rows returned; "
                + "sql[2]: DuckDB could not evaluate it: Binder Error: Referenced column \"nope\" not found");
        assertThat(check.outputTail()).containsExactly(
                "sql[1]: {code: 'c1', d: '20240630', close: -1.0, year: 2024}",
                "sql[1]: {code: 'c2', d: '20240630', close: -2.0, year: 2024}",
                "sql[1]: {code: 'c3', d: '20240630', close: -3.0, year: 2024}",
                "sql[1]: {code: 'c4', d: '20240630', close: -4.0, year: 2024}",
                "sql[1]: {code: 'c5', d: '20240630', close: -5.0, year: 2024}");
    }

    @Test
    void a_staged_check_stops_a_bad_day_before_swap_and_the_live_lake_is_unchanged() throws Exception {
        LakeFixture f = goodLake(stagedPipeline("""
                not_null: [code]
                row_count: { min: 1 }
                """));
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        // The downloader delivers a file with a NULL code into 2024; 2023 is left as it was.
        f.write("t/year=2024/bad.parquet", "SELECT * FROM (VALUES (NULL, '20240701', 1.0)) v(code, d, close)", 3000);
        List<String> liveBefore = f.files("lake");
        List<String> rowsBefore = f.rows("SELECT * FROM " + f.live("t") + " ORDER BY ALL");
        List<String> viewBefore = f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT * FROM t ORDER BY ALL");

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        String run = f.latest().runId();
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_rewritten", 1);
        StepRecord check = f.latest().step("check").orElseThrow();
        assertThat(check.error()).isEqualTo("1 of 2 assertions failed on t as staged by run " + run + ": "
                + "not_null(code): 1 row where code is NULL. The steps that depend on this check (swap) do not run, so none of it "
                + "goes live. If the data is right, correct the assertion and resume the run; otherwise correct the files in the lake "
                + "and start a new run (a resume would check the same staged data). Not retried: the data would be the same");
        assertThat(check.outputTail()).containsExactly("not_null(code): {code: NULL, d: '20240701', close: 1.0, year: 2024}");
        // The staged 2024 output and the live 2023 file, which this run did not rewrite.
        assertThat(log(f, "check")).contains("checking t as staged by run " + run + ": 2 files, 2 assertions\n5 rows;")
                .contains("ok      row_count: 5 rows, at least 1\n");
        assertThat(f.latest().step("swap[t]").orElseThrow().status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.files("lake")).isEqualTo(liveBefore);
        assertThat(f.rows("SELECT * FROM " + f.live("t") + " ORDER BY ALL")).isEqualTo(rowsBefore);
        // The downloader's file itself is live from the moment it is written (the view reads it); what the check kept
        // from going live is the compacted partition, and the backup of the files it replaces.
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT * FROM t ORDER BY ALL")).isEqualTo(viewBefore).hasSize(5);
        assertThat(f.files("backups")).noneMatch(n -> n.contains(run));
    }

    @Test
    void with_foreach_tables_each_table_is_checked_and_only_the_failing_tables_swap_is_held_back() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("""
                tables:
                  good: { partition_by: [year], sort_by: [code] }
                  bad: { partition_by: [year], sort_by: [code] }
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: check, type: check, foreach: tables, depends_on: [verify], with: { data: staged, not_null: code, row_count: { min: 1 } } }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify, check] }
                """);
        f.write("good/year=2024/a.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2)) v(code, v)", 1000);
        f.write("bad/year=2024/a.parquet", "SELECT * FROM (VALUES ('A', 1), (NULL, 2)) v(code, v)", 1000);

        assertThat(f.plan(false).steps()).filteredOn(s -> s.step().id().equals("check[bad]")).singleElement()
                .satisfies(s -> assertThat(s.description().summary()).isEqualTo("check bad as this run's swap would leave it "
                        + "(staged output, else live files): code is never NULL; row count >= 1"));

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);

        assertThat(f.latest().step("check[good]").orElseThrow().metrics()).containsEntry("rows", 2);
        assertThat(f.latest().step("check[bad]").orElseThrow().error()).startsWith("1 of 2 assertions failed on bad as staged by run "
                + f.latest().runId() + ": not_null(code): 1 row where code is NULL. ");
        assertThat(f.latest().step("swap[good]").orElseThrow().status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.latest().step("swap[bad]").orElseThrow().status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.files("lake/good")).singleElement().matches(n -> n.startsWith("year=2024/part-"));
        assertThat(f.files("lake/bad")).containsExactly("year=2024/a.parquet");
    }

    @Test
    void a_live_check_after_sync_reads_what_the_view_reads() throws Exception {
        LakeFixture f = goodLake("""
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify] }
                  - { id: sync, type: sync-metadata, depends_on: [swap] }
                  - id: check
                    type: check
                    depends_on: [sync]
                    with:
                      table: t
                      data: live
                """ + ALL.indent(6));
        // A file being written under a hidden name is read neither by the view nor by the check.
        f.write("t/year=2024/.partial.parquet", "SELECT NULL::VARCHAR AS code, NULL AS d, -5.0 AS close", 1000);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        assertThat(f.latest().step("check").orElseThrow().metrics()).containsEntry("assertions", 7).containsEntry("rows", 4);
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT count(*) FROM t")).containsExactly("4");
        assertThat(log(f, "check")).contains("checking live t: 2 files, 7 assertions\n");
    }

    @Test
    void row_count_change_is_measured_against_the_previous_successful_check_of_the_step() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(TABLE + liveCheck("row_count: { max_change: 2 }\n"));
        f.write("t/year=2024/a.parquet", "SELECT 'a' || i AS code, '20240630' AS d, 1.0 AS close FROM range(4) r(i)", 1000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        String first = f.latest().runId();
        assertThat(log(f, "check")).contains("ok      row_count: 4 rows; no earlier successful check of this step to compare with\n");

        f.write("t/year=2024/b.parquet", "SELECT 'b' || i AS code, '20240630' AS d, 1.0 AS close FROM range(3) r(i)", 2000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        String second = f.latest().runId();
        assertThat(log(f, "check")).contains("ok      row_count: 7 rows; within a factor 2 of the 4 rows of run " + first + "\n");

        f.write("t/year=2024/c.parquet", "SELECT 'c' || i AS code, '20240630' AS d, 1.0 AS close FROM range(8) r(i)", 3000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        Path counts = dir.resolve("state/p/checks/check.json");
        assertThat(f.latest().step("check").orElseThrow().error()).startsWith("1 of 1 assertions failed on live t: "
                + "row_count: 15 rows, more than 2 times the 7 rows of run " + second + " (max_change 2; if the change is right, delete "
                + counts + " and resume). ");

        // A resume of the failed run compares with the run before it, not with itself.
        Files.delete(dir.resolve("lake/t/year=2024/c.parquet"));
        f.write("t/year=2024/c.parquet", "SELECT 'c' || i AS code, '20240630' AS d, 1.0 AS close FROM range(1) r(i)", 3000);
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(log(f, "check")).contains("ok      row_count: 8 rows; within a factor 2 of the 7 rows of run " + second + "\n");
        assertThat(Files.readString(counts)).contains("\"rows\" : 8");
    }

    @Test
    void freshness_is_measured_from_a_param_date() throws Exception {
        LakeFixture f = goodLake("""
                params:
                  date: "2024-06-30"
                """ + liveCheck("freshness: { column: d, max_days: 2, as_of: \"${params.date}\" }\n"));

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(log(f, "check")).contains("ok      freshness(d): the latest d is 2024-06-30, 0 days before 2024-06-30 (at most 2)\n");

        RunOutcome late = f.engine().run(new RunRequest(f.file, Map.of("date", "2024-07-05"), Optional.empty(), false, Optional.empty(),
                Selection.ALL, Optional.empty()), RunListener.SILENT, new Cancellation());

        assertThat(late.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.latest().step("check").orElseThrow().error()).startsWith("1 of 1 assertions failed on live t: "
                + "freshness(d): the latest d is 2024-06-30, 5 days before 2024-07-05 (at most 2 allowed). ");
    }

    @Test
    void freshness_reads_dates_timestamps_and_text_and_a_check_needs_files() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("""
                tables:
                  t: { sort_by: [d] }
                steps:
                  - { id: check, type: check, with: { table: t, data: live, freshness: { column: d, max_days: 0, as_of: "2024-06-30" } } }
                  - { id: ts, type: check, with: { table: t, data: live, freshness: { column: ts, max_days: 1, as_of: "2024-06-30" } } }
                """);
        assertThat(f.run().exitCode()).as("no files yet").isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.latest().step("check").orElseThrow().error()).isEqualTo("there are no Parquet files of live t to check (under "
                + dir.resolve("lake/t") + "); load the table first, or run the check after the step that fills it");

        f.write("t/a.parquet", "SELECT DATE '2024-06-30' AS d, TIMESTAMP '2024-06-28 23:59:59' AS ts", 1000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.latest().step("check").orElseThrow().status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.latest().step("ts").orElseThrow().error()).startsWith("1 of 1 assertions failed on live t: "
                + "freshness(ts): the latest ts is 2024-06-28, 2 days before 2024-06-30 (at most 1 allowed). ");
    }

    @Test
    void a_staged_check_without_a_compaction_in_the_run_says_what_to_do() throws Exception {
        LakeFixture f = goodLake("""
                steps:
                  - { id: check, type: check, with: { table: t, data: staged, not_null: code } }
                """);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);

        assertThat(f.latest().step("check").orElseThrow().error()).isEqualTo("data: staged checks what this run's compaction of t "
                + "staged, but run " + f.latest().runId() + " has no finished compaction of it; make the check depend on compact[t] "
                + "(or its verify), or check the live data with data: live");
    }
}
