package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.ExitCode;
import io.duckdag.Failpoints;
import io.duckdag.engine.Maintenance;
import io.duckdag.kind.PlanContext;
import io.duckdag.lake.Housekeeping;
import io.duckdag.pipeline.Pipeline;
import io.duckdag.pipeline.PipelineLoader;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints checked against the lake, the plan's data impact, rollback and gc. */
class CheckpointAndMaintenanceTest {
    @TempDir
    Path dir;

    LakeFixture lake() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(CompactVerifySwapTest.KEYED);
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('B', 1, 'old'), ('A', 2, 'x'), ('C', 1, 'c')) v(code, d, v)", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('B', 1, 'new'), ('A', 1, 'a1')) v(code, d, v)", 2000);
        f.write("t/year=2023/c.parquet", "SELECT * FROM (VALUES ('Z', 9, 'z')) v(code, d, v)", 1500);
        return f;
    }

    Pipeline pipeline(LakeFixture f) {
        return new PipelineLoader(Map.of(), StandardKinds.all()).load(f.file, Map.of(), "20240101-000000-000", "2024-01-01");
    }

    @Test
    void a_compaction_whose_staged_files_are_gone_runs_again_on_resume_and_the_plan_says_why() throws Exception {
        LakeFixture f = lake();
        f.run(LakeFixture.only("compact"));
        Housekeeping.delete(dir.resolve("staging"));

        Plan plan = f.plan(true);

        PlannedStep compact = plan.step("compact[t]");
        assertThat(compact.action()).isEqualTo(PlannedStep.Action.RUN);
        assertThat(compact.reason()).startsWith("checkpoint no longer holds: staged file ").endsWith(" is missing or changed");
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT count(*) FROM " + f.live("t"))).containsExactly("5");
    }

    @Test
    void a_swap_whose_live_files_were_replaced_is_not_trusted_on_resume() throws Exception {
        LakeFixture f = lake();
        f.run();
        String first = f.latest().runId();
        Path liveFile = f.lake.resolve("t").resolve(f.files("lake/t").get(1));
        Files.delete(liveFile);

        Plan plan = f.engine().plan(new io.duckdag.engine.RunRequest(f.file, Map.of(), Optional.empty(), true, Optional.of(first),
                io.duckdag.plan.Selection.ALL, Optional.empty()));

        assertThat(plan.step("compact[t]").reason()).startsWith("checkpoint no longer holds: live file ");
        assertThat(plan.step("swap[t]").reason()).isEqualTo("upstream verify[t] re-runs");
        PlannedStep swap = plan.step("swap[t]");
        assertThat(StandardKinds.all().of(swap.step()).staleCheckpoint(f.latest().step("swap[t]").orElseThrow(),
                new PlanContext(pipeline(f), first).forStep(swap.step())))
                .hasValueSatisfying(r -> assertThat(r).startsWith("live partition year=2024 of t no longer holds part-" + first));
    }

    @Test
    void the_plan_shows_what_compaction_would_rewrite_from_listings_and_footers() throws Exception {
        LakeFixture f = lake();
        f.run();
        f.write("t/year=2023/d.parquet", "SELECT * FROM (VALUES ('X', 1, 'x'), ('Y', 2, 'y')) v(code, d, v)", 3000);

        Plan plan = f.plan(false);

        assertThat(plan.step("compact[t]").description().impact()).containsExactly(
                "partitions to rewrite: 1 (year=2023); unchanged, skipped: 1",
                "in: 2 files, " + LakeLook.human(Files.size(f.lake.resolve("t/year=2023/d.parquet"))
                        + Files.size(f.lake.resolve("t").resolve(f.files("lake/t").stream().filter(n -> n.startsWith("year=2023/part")).findFirst().orElseThrow())))
                        + ", 3 rows (from footers)",
                "out: about 1 files, at most 3 rows (duplicate keys collapse), sorted, zstd");
        assertThat(plan.step("swap[t]").description().impact().get(0)).startsWith("puts 1 partitions live and moves their 2 current files to ");
        assertThat(plan.step("sync").description().impact()).containsExactly("views to create or replace in " + dir.resolve("metadata.db") + ": t");
        assertThat(plan.inputFingerprints()).containsKey("compact[t]");
    }

    @Test
    void the_plan_shows_a_partition_that_would_be_compacted_tiered_as_tiered_and_compaction_agrees() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [k] }\n" + CompactVerifySwapTest.STEPS);
        f.write("t/year=2024/a.parquet", "SELECT (hash(i) % 100000)::BIGINT AS k, md5(i::VARCHAR) AS v FROM range(5000) r(i)", 1000);
        f.run();
        Path night = f.write("t/year=2024/night.parquet", "SELECT 7::BIGINT AS k, 'night' AS v", 2000);

        Plan plan = f.plan(false);

        assertThat(plan.step("compact[t]").description().impact()).containsExactly(
                "partitions to rewrite: 0; tiered: 1 (year=2024), only their new files, compacted into one more sorted file beside "
                        + "the 1 compacted files they keep; unchanged, skipped: 0",
                "in: 1 files, " + LakeLook.human(Files.size(night)) + ", 1 rows (from footers)",
                "out: about 1 files, 1 rows, sorted, zstd");
        assertThat(plan.step("swap[t]").description().impact().get(0)).startsWith("puts 1 partitions live and moves their 1 current files to ");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_tiered", 1).containsEntry("files_in", 1);

        // A night whose file has another column cannot be tiered: the plan says the partition is rewritten whole, as compaction does.
        f.write("t/year=2024/odd.parquet", "SELECT 8::BIGINT AS k, 'odd' AS v, 1 AS extra", 3000);

        assertThat(f.plan(false).step("compact[t]").description().impact().get(0))
                .isEqualTo("partitions to rewrite: 1 (year=2024); unchanged, skipped: 0");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).doesNotContainKey("partitions_tiered").containsEntry("files_in", 3);
    }

    @Test
    void rollback_puts_back_what_the_swap_replaced_and_keeps_late_files() throws Exception {
        LakeFixture f = lake();
        List<String> before = f.rows("SELECT year, code, d, v FROM " + f.live("t") + " ORDER BY ALL");
        f.run();
        f.write("t/year=2024/late.parquet", "SELECT * FROM (VALUES ('L', 1, 'late')) v(code, d, v)", 5000);
        List<String> lines = new ArrayList<>();

        new Maintenance(Clock.systemUTC(), Failpoints.NONE).rollback(pipeline(f), "t", Optional.empty(), lines::add);

        assertThat(lines).hasSize(2);
        List<String> expected = new ArrayList<>(before);
        expected.add("2024|L|1|late");
        expected.sort(null);
        assertThat(f.rows("SELECT year, code, d, v FROM " + f.live("t") + " ORDER BY ALL")).isEqualTo(expected);
        assertThat(f.files("lake/t")).containsExactly("year=2023/c.parquet", "year=2024/a.parquet", "year=2024/b.parquet", "year=2024/late.parquet");

        assertThatThrownBy(() -> new Maintenance(Clock.systemUTC(), Failpoints.NONE).rollback(pipeline(f), "t", Optional.empty(), lines::add))
                .hasMessage("no run has put a partition of t live (or all were rolled back); nothing to roll back");

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_rewritten", 2);
    }

    @Test
    void rollback_refuses_when_a_later_run_replaced_the_files() throws Exception {
        LakeFixture f = lake();
        f.run();
        String first = f.latest().runId();
        f.write("t/year=2024/e.parquet", "SELECT * FROM (VALUES ('E', 1, 'e')) v(code, d, v)", 6000);
        f.run();

        assertThatThrownBy(() -> new Maintenance(Clock.systemUTC(), Failpoints.NONE).rollback(pipeline(f), "t", Optional.of(first), l -> { }))
                .hasMessageStartingWith("partition year=2024 of t: part-" + first)
                .hasMessageEndingWith("which run " + first + " put live, is no longer there (a later run replaced it); roll back the later run first");
    }

    @Test
    void gc_removes_backups_beyond_retention_and_never_staging_that_a_resume_or_another_pipeline_may_need() throws Exception {
        LakeFixture f = lake();
        f.run();
        f.write("t/year=2024/e.parquet", "SELECT * FROM (VALUES ('E', 1, 'e')) v(code, d, v)", 6000);
        f.run();
        f.write("t/year=2024/g.parquet", "SELECT * FROM (VALUES ('G', 1, 'g')) v(code, d, v)", 7000);
        f.run();
        f.write("t/year=2024/h.parquet", "SELECT * FROM (VALUES ('H', 1, 'h')) v(code, d, v)", 8000);
        f.run(LakeFixture.only("compact"));
        Files.createDirectories(dir.resolve("staging/p/20200101-000000-000/t"));
        Files.createDirectories(dir.resolve("staging/other-pipeline/20200101-000000-000/t"));
        List<Path> backups;
        try (var list = Files.list(dir.resolve("backups/p"))) {
            backups = list.sorted().toList();
        }
        assertThat(backups).hasSize(2);

        Files.writeString(f.file, Files.readString(f.file).replace("keep_backups: 2", "keep_backups: 1"));
        List<String> removed = new Maintenance(Clock.systemUTC(), Failpoints.NONE).gc(pipeline(f), l -> { });

        assertThat(removed).containsExactly("backup " + backups.get(0));
        assertThat(backups.get(0)).doesNotExist();
        assertThat(backups.get(1)).exists();
        assertThat(dir.resolve("staging/p").resolve(f.latest().runId())).as("the partial run's staging").exists();
        assertThat(dir.resolve("staging/p/20200101-000000-000")).as("a folder of no known run").exists();
        assertThat(dir.resolve("staging/other-pipeline/20200101-000000-000")).as("another pipeline's staging").exists();
    }
}
