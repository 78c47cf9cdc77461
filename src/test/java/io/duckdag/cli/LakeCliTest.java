package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
}
