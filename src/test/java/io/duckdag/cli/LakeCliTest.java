package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lake commands through the whole CLI: run, plan with impact, rollback, gc. */
class LakeCliTest {
    @TempDir
    Path dir;

    Path pipeline() throws Exception {
        Path file = dir.resolve("lake.yaml");
        Files.writeString(file, """
                pipeline: lake
                settings:
                  lake: %1$s/lake
                  staging: %1$s/staging
                  backups: %1$s/backups
                  metadata_db: %1$s/metadata.db
                  state_dir: %1$s/state
                  duckdb: { temp_directory: %1$s/tmp }
                tables:
                  t: { partition_by: [year], sort_by: [code] }
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify] }
                  - { id: sync, type: sync-metadata, depends_on: [swap] }
                """.formatted(dir));
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

        CliRunner.Result run = CliRunner.run("run", file);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("ok       swap[t]", "partitions_swapped=1", "cleanup  removed staging");

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
        String pipeline = """
                pipeline: two
                settings:
                  lake: %1$s/lake
                  staging: %1$s/staging
                  backups: %1$s/backups
                  metadata_db: %1$s/metadata.db
                  state_dir: %1$s/state
                  duckdb: { temp_directory: %1$s/tmp }
                tables:
                  good: { partition_by: [year], sort_by: [code] }
                  bad:  { partition_by: [year], sort_by: [no_such_column] }
                steps:
                  - { id: compact, type: compact, foreach: tables }
                  - { id: verify, type: verify, foreach: tables, depends_on: [compact] }
                  - { id: swap, type: swap, foreach: tables, depends_on: [verify] }
                  - { id: sync, type: sync-metadata, depends_on: [swap], trigger_rule: all_done }
                """.formatted(dir);
        Files.writeString(file, pipeline);
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

        Files.writeString(file, pipeline.replace("sort_by: [no_such_column]", "sort_by: [code]"));
        CliRunner.Result resume = CliRunner.run("run", file.toString(), "--resume");

        assertThat(resume.exitCode()).as(resume.out() + resume.err()).isZero();
        assertThat(resume.out()).contains("skip     compact[good]", "skip     swap[good]", "ok       compact[bad]", "ok       sync (")
                .doesNotContain("ok       compact[good]");
    }
}
