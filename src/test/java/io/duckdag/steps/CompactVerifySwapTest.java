package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.TestPipelines;
import io.duckdag.engine.RunOutcome;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compact, verify, swap and sync-metadata on small hand-made lakes whose right answer is known row by row. */
class CompactVerifySwapTest {
    static final String STEPS = TestPipelines.text("lake-fixture/compact-verify-swap-sync");
    static final String KEYED_TABLES = "tables:\n  t: { partition_by: [year], sort_by: [code, d], key: [code, d] }\n";
    static final String KEYED = KEYED_TABLES + STEPS;

    /** {@link #STEPS} with {@code with} (such as "{ full: true }") given to compact. */
    static String stepsCompactingWith(String with) {
        String compact = "type: compact\n    foreach: tables\n";
        if (!STEPS.contains(compact)) {
            throw new IllegalStateException("the compact step of STEPS is not written as this helper expects:\n" + STEPS);
        }
        return STEPS.replace(compact, compact + "    with: " + with + "\n");
    }

    @TempDir
    Path dir;

    LakeFixture keyedLake() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(KEYED);
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('B', 1, 'old'), ('A', 2, 'x'), ('C', 1, 'c')) v(code, d, v)", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('B', 1, 'new'), ('A', 1, 'a1')) v(code, d, v)", 2000);
        f.write("t/year=2023/c.parquet", "SELECT * FROM (VALUES ('Z', 9, 'z'), ('Y', 3, 'y'), ('Y', 3, 'y2')) v(code, d, v)", 1500);
        return f;
    }

    @Test
    void duplicate_keys_collapse_to_the_latest_file_and_each_partition_becomes_one_sorted_file() throws Exception {
        LakeFixture f = keyedLake();

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
        List<String> live = f.files("lake/t");
        assertThat(live).hasSize(2).allMatch(n -> n.matches("year=202[34]/part-.*-00000\\.parquet"));
        Path y2024 = f.lake.resolve("t").resolve(live.get(1));
        assertThat(f.rows("SELECT code, d, v FROM read_parquet('" + y2024 + "', file_row_number = true) ORDER BY file_row_number"))
                .containsExactly("A|1|a1", "A|2|x", "B|1|new", "C|1|c");
        Path y2023 = f.lake.resolve("t").resolve(live.get(0));
        assertThat(f.rows("SELECT code, d, v FROM read_parquet('" + y2023 + "', file_row_number = true) ORDER BY file_row_number"))
                .containsExactly("Y|3|y2", "Z|9|z");
        assertThat(f.files("backups")).containsExactly(
                "p/" + f.latest().runId() + "/t/year=2023/c.parquet", "p/" + f.latest().runId() + "/t/year=2024/a.parquet",
                "p/" + f.latest().runId() + "/t/year=2024/b.parquet");
        assertThat(f.files("staging")).isEmpty();

        StepRecord compact = f.latest().step("compact[t]").orElseThrow();
        assertThat(compact.metrics()).containsEntry("partitions_rewritten", 2).containsEntry("rows_in", 8).containsEntry("rows_out", 6);
        assertThat(f.latest().step("verify[t]").orElseThrow().metrics()).containsEntry("duplicates_removed", 2);
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT year, code, d, v FROM t ORDER BY ALL"))
                .containsExactly("2023|Y|3|y2", "2023|Z|9|z", "2024|A|1|a1", "2024|A|2|x", "2024|B|1|new", "2024|C|1|c");
    }

    @Test
    void only_changed_partitions_are_rewritten_and_full_rewrites_all() throws Exception {
        LakeFixture f = keyedLake();
        f.run();

        RunOutcome nothing = f.run();
        assertThat(nothing.record().step("compact[t]").orElseThrow().metrics())
                .containsEntry("partitions_rewritten", 0).containsEntry("partitions_unchanged", 2);

        f.write("t/year=2023/d.parquet", "SELECT * FROM (VALUES ('Z', 9, 'z-revised'), ('X', 1, 'x')) v(code, d, v)", 3000);
        RunOutcome one = f.run();
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics())
                .containsEntry("partitions_rewritten", 1).containsEntry("partitions_unchanged", 1).containsEntry("rows_in", 4);
        assertThat(f.rows("SELECT year, code, d, v FROM " + f.live("t") + " WHERE year = 2023 ORDER BY ALL"))
                .containsExactly("2023|X|1|x", "2023|Y|3|y2", "2023|Z|9|z-revised");

        f.pipeline(KEYED_TABLES + stepsCompactingWith("{ full: true }"));
        RunOutcome full = f.run();
        assertThat(full.record().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_rewritten", 2);
        assertThat(f.rows("SELECT count(*) FROM " + f.live("t"))).containsExactly("7");
    }

    @Test
    void a_compaction_that_failed_after_one_partition_keeps_that_partition_when_it_runs_again() throws Exception {
        LakeFixture f = keyedLake();
        f.env = Map.of("DUCKDAG_FAILPOINT", "compact:partition-done:t@fail");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        List<String> staged = f.files("staging");
        assertThat(staged).hasSize(1);

        f.env = Map.of();
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK);

        assertThat(Files.readString(f.store().logFile(f.latest().runId(), "compact[t]")))
                .contains("year=2023: already compacted by an earlier attempt, kept");
        assertThat(f.files("lake/t")).anyMatch(n -> staged.get(0).endsWith(n));
        assertThat(f.rows("SELECT count(*) FROM " + f.live("t"))).containsExactly("6");
    }

    @Test
    void schema_drift_is_read_by_name_widened_and_reported_and_a_partition_column_inside_files_agrees_with_the_path() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code] }\n" + STEPS);
        f.write("t/year=2024/old.parquet", "SELECT * FROM (VALUES ('B', 1), ('A', 2)) v(code, v)", 1000);
        f.write("t/year=2024/new.parquet", "SELECT * FROM (VALUES ('C', 2.5, 'note', 2024)) v(code, v, extra, year)", 2000);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        assertThat(f.rows("SELECT code, v, extra, year FROM " + f.live("t") + " ORDER BY code"))
                .containsExactly("A|2.0|null|2024", "B|1.0|null|2024", "C|2.5|note|2024");
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).containsEntry("schema_drift", 2);
        assertThat(Files.readString(f.store().logFile(f.latest().runId(), "compact[t]")))
                .contains("year=2024: schema drift: column extra is missing from 1 of 2 files (read as NULL there)")
                .contains("column v has types");
    }

    @Test
    void a_partition_column_inside_a_file_that_disagrees_with_its_folder_fails_before_writing() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code] }\n" + STEPS);
        f.write("t/year=2024/old.parquet", "SELECT * FROM (VALUES ('B', 2024), ('A', 2024)) v(code, year)", 1000);
        f.write("t/year=2024/new.parquet", "SELECT * FROM (VALUES ('C', 1999), ('D', 2024)) v(code, year)", 2000);
        List<String> before = f.files("lake");

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(r.record().step("compact[t]").orElseThrow().error()).isEqualTo("partition year=2024 of t: file new.parquet holds "
                + "year = 1999 inside (1 rows of its partition's files differ), but its folder says year=2024; the folder's value wins and "
                + "the column inside the files is not written, so that value would be lost. Move those rows to their partition, or drop "
                + "the column from the files; nothing was written");
        assertThat(f.files("lake")).isEqualTo(before);
    }

    @Test
    void a_null_partition_column_inside_a_file_under_a_value_folder_is_named() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code] }\n" + STEPS);
        f.write("t/year=2024/a.parquet", "SELECT 'A' AS code, NULL::BIGINT AS year", 1000);

        RunOutcome r = f.run();

        assertThat(r.record().step("compact[t]").orElseThrow().error()).startsWith("partition year=2024 of t: file a.parquet holds "
                + "year = NULL inside (1 rows of its partition's files differ), but its folder says year=2024;");
    }

    @Test
    void a_night_of_small_files_is_compacted_beside_the_partition_and_the_partition_is_rewritten_whole_after_eight() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [k] }\n" + STEPS);
        f.write("t/year=2024/a.parquet", "SELECT (hash(i) % 100000)::BIGINT AS k, md5(i::VARCHAR) AS v FROM range(5000) r(i)", 1000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        String compacted = f.files("lake/t/year=2024").get(0);
        Path compactedFile = f.lake.resolve("t/year=2024").resolve(compacted);
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(compactedFile);

        f.write("t/year=2024/night-1.parquet", "SELECT 7::BIGINT AS k, 'night' AS v", 2000);
        RunOutcome night = f.run();

        assertThat(night.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_tiered", 1).containsEntry("rows_in", 1);
        List<String> live = f.files("lake/t/year=2024");
        assertThat(live).hasSize(2).contains(compacted);
        assertThat(Files.getLastModifiedTime(compactedFile)).isEqualTo(before);
        assertThat(f.rows("SELECT count(*), count(DISTINCT v) FROM " + f.live("t"))).containsExactly("5001|5001");
        for (String file : live) {
            assertThat(f.rows("SELECT count(*) FROM (SELECT k, lag(k) OVER (ORDER BY file_row_number) AS p FROM read_parquet('"
                    + f.lake.resolve("t/year=2024").resolve(file) + "', file_row_number = true)) WHERE p > k")).containsExactly("0");
        }
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_unchanged", 1);

        for (int n = 2; n <= 8; n++) {
            f.write("t/year=2024/night-" + n + ".parquet", "SELECT " + n + "::BIGINT AS k, 'night' AS v", 2000 + n);
            assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        }
        // Seven nights made eight files; the eighth night rewrites the partition whole, sorted as one file.
        assertThat(f.files("lake/t/year=2024")).hasSize(1);
        assertThat(f.latest().step("compact[t]").orElseThrow().metrics()).doesNotContainKey("partitions_tiered").containsEntry("rows_in", 5008);
        assertThat(f.rows("SELECT count(*) FROM " + f.live("t"))).containsExactly("5008");
    }

    @Test
    void a_resume_after_a_key_was_added_does_not_reuse_a_tiered_compaction() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [k] }\n" + STEPS);
        f.write("t/year=2024/a.parquet", "SELECT i::BIGINT AS k, 'old' AS v FROM range(1000) r(i)", 1000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        f.write("t/year=2024/night.parquet", "SELECT 7::BIGINT AS k, 'newer' AS v", 2000);
        f.env = Map.of("DUCKDAG_FAILPOINT", "after:compact[t]@fail");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);

        f.pipeline("tables:\n  t: { partition_by: [year], sort_by: [k], key: [k] }\n" + STEPS);
        f.env = Map.of();
        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT count(*), count(DISTINCT k) FROM " + f.live("t"))).containsExactly("1000|1000");
        assertThat(f.rows("SELECT v FROM " + f.live("t") + " WHERE k = 7")).containsExactly("newer");
        assertThat(f.files("lake/t/year=2024")).hasSize(1);
    }

    @Test
    void a_small_target_file_size_splits_a_partition_into_sorted_files_that_follow_each_other() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [k] }\n"
                + stepsCompactingWith("{ target_file_size: 20KB }"));
        for (int i = 0; i < 4; i++) {
            f.write("t/year=2024/f" + i + ".parquet", "SELECT (hash(i, " + i + ") % 100000)::BIGINT AS k, md5(i::VARCHAR) AS payload FROM range(3000) r(i)", 1000 + i);
        }

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        List<String> live = f.files("lake/t/year=2024");
        assertThat(live.size()).isGreaterThan(1);
        List<String> ranges = f.rows("SELECT min(k), max(k) FROM read_parquet('" + f.lake.resolve("t/year=2024") + "/*.parquet', filename = true) GROUP BY filename ORDER BY filename");
        for (int i = 1; i < ranges.size(); i++) {
            long previousMax = Long.parseLong(ranges.get(i - 1).split("\\|")[1]);
            long min = Long.parseLong(ranges.get(i).split("\\|")[0]);
            assertThat(min).isGreaterThanOrEqualTo(previousMax);
        }
        assertThat(f.rows("SELECT count(*) FROM " + f.live("t"))).containsExactly("12000");
    }

    @Test
    void an_unpartitioned_table_is_compacted_as_one_partition() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  flat: { sort_by: [code] }\n" + STEPS);
        f.write("flat/x.parquet", "SELECT * FROM (VALUES ('b'), ('a')) v(code)", 1000);
        f.write("flat/y.parquet", "SELECT * FROM (VALUES ('c'), ('a')) v(code)", 2000);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        assertThat(f.files("lake/flat")).hasSize(1);
        assertThat(f.rows("SELECT code FROM read_parquet('" + f.lake.resolve("flat") + "/*.parquet', file_row_number = true) ORDER BY file_row_number"))
                .containsExactly("a", "a", "b", "c");
    }

    @Test
    void files_that_arrive_after_compaction_listed_a_partition_stay_live() throws Exception {
        LakeFixture f = keyedLake();
        f.env = Map.of("DUCKDAG_FAILPOINT", "before:swap[t]@fail");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        f.write("t/year=2024/late.parquet", "SELECT * FROM (VALUES ('D', 4, 'late'), ('B', 1, 'later')) v(code, d, v)", 4000);

        f.env = Map.of();
        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(resumed.record().step("swap[t]").orElseThrow().metrics()).containsEntry("late_files_kept_live", 1);
        assertThat(f.files("lake/t/year=2024")).hasSize(2).contains("late.parquet");
        assertThat(f.rows("SELECT code, d, v FROM " + f.live("t") + " WHERE year = 2024 ORDER BY ALL"))
                .containsExactly("A|1|a1", "A|2|x", "B|1|later", "B|1|new", "C|1|c", "D|4|late");

        RunOutcome next = f.run();
        assertThat(next.record().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_rewritten", 1);
        assertThat(f.rows("SELECT code, d, v FROM " + f.live("t") + " WHERE year = 2024 ORDER BY ALL"))
                .containsExactly("A|1|a1", "A|2|x", "B|1|later", "C|1|c", "D|4|late");
    }

    @Test
    void an_input_removed_after_compaction_stops_the_swap_and_a_resume_compacts_what_is_there() throws Exception {
        LakeFixture f = keyedLake();
        f.env = Map.of("DUCKDAG_FAILPOINT", "before:swap[t]@fail");
        f.run();
        Files.delete(f.lake.resolve("t/year=2024/a.parquet"));
        f.env = Map.of();

        f.inspect = false; // swap's own check, without the planner noticing first
        RunOutcome refused = f.resume();
        assertThat(refused.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(refused.record().step("swap[t]").orElseThrow().error()).isEqualTo("partition year=2024 of t: input file a.parquet "
                + "was removed after compaction read it, so the compacted data is out of date; nothing was swapped. Run the pipeline again");
        assertThat(f.files("lake/t/year=2024")).containsExactly("b.parquet");

        f.inspect = true;
        assertThat(f.plan(true).step("compact[t]").reason())
                .isEqualTo("checkpoint no longer holds: input a.parquet of partition year=2024 was removed or re-written since compaction read it");
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT code, d, v FROM " + f.live("t") + " WHERE year = 2024 ORDER BY ALL")).containsExactly("A|1|a1", "B|1|new");
    }

    @Test
    void a_swap_that_died_half_way_is_rolled_forward_by_the_next_run() throws Exception {
        LakeFixture f = keyedLake();
        f.env = Map.of("DUCKDAG_FAILPOINT", "swap:t:moved-1@fail");
        RunOutcome broken = f.run();
        assertThat(broken.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.files("state/p/journal")).hasSize(1);

        f.env = Map.of();
        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.files("state/p/journal")).isEmpty();
        assertThat(f.rows("SELECT year, code, d, v FROM " + f.live("t") + " ORDER BY ALL"))
                .containsExactly("2023|Y|3|y2", "2023|Z|9|z", "2024|A|1|a1", "2024|A|2|x", "2024|B|1|new", "2024|C|1|c");
        assertThat(f.files("lake/t")).hasSize(2);
    }

    @Test
    void staging_lost_while_a_swap_was_pending_is_undone_and_the_resume_compacts_again_without_losing_a_row() throws Exception {
        LakeFixture f = keyedLake();
        f.env = Map.of("DUCKDAG_FAILPOINT", "swap:t:journaled@fail");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        io.duckdag.lake.Housekeeping.delete(dir.resolve("staging"));

        f.env = Map.of();
        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT year, code, d, v FROM " + f.live("t") + " ORDER BY ALL"))
                .containsExactly("2023|Y|3|y2", "2023|Z|9|z", "2024|A|1|a1", "2024|A|2|x", "2024|B|1|new", "2024|C|1|c");
    }

    @Test
    void an_input_re_written_while_a_swap_was_pending_stays_live_and_the_resume_compacts_it_anew() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code] }\n" + STEPS);
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('a'), ('b')) v(code)", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('c')) v(code)", 1000);
        f.env = Map.of("DUCKDAG_FAILPOINT", "swap:t:journaled@fail");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('a'), ('b')) v(code)", 2000);

        f.env = Map.of();
        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT code FROM " + f.live("t") + " ORDER BY ALL")).containsExactly("a", "b", "c");
    }

    @Test
    void sync_keeps_views_it_did_not_create_and_drops_its_own_when_the_table_is_gone() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code] }\n  u: { sort_by: [code] }\n" + STEPS);
        f.write("t/year=2024/a.parquet", "SELECT 'a' AS code", 1000);
        f.write("u/a.parquet", "SELECT 'u' AS code", 1000);
        f.write("other/x.parquet", "SELECT 42 AS answer", 1000);
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("metadata.db"))) {
            c.createStatement().execute("CREATE VIEW mine AS SELECT 1 AS x");
        }
        f.run();
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"))
                .containsExactly("mine", "other", "t", "u");
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT answer FROM other")).containsExactly("42");

        io.duckdag.lake.Housekeeping.delete(f.lake.resolve("other"));
        f.run();

        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"))
                .containsExactly("mine", "t", "u");
    }

    @Test
    void a_corrupt_parquet_file_fails_compaction_naming_it_and_the_lake_stays_as_it_was() throws Exception {
        LakeFixture f = keyedLake();
        Path broken = f.lake.resolve("t/year=2024/broken.parquet");
        Files.writeString(broken, "half a file");
        List<String> before = f.files("lake");

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(r.record().step("compact[t]").orElseThrow().error())
                .startsWith("partition year=2024 of t: DuckDB cannot read the file " + broken + " (").contains("too small to be a Parquet file");
        assertThat(f.files("lake")).isEqualTo(before);
    }

    @Test
    void a_lake_folder_that_does_not_exist_fails_compaction_naming_the_setting() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(KEYED);

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(r.record().step("compact[t]").orElseThrow().error()).isEqualTo("the lake folder " + f.lake
                + " does not exist; check settings.lake (relative paths start from the current directory)");
        assertThat(f.plan(false).step("compact[t]").description().impact()).containsExactly("the lake folder " + f.lake + " does not exist (yet)");
    }

    @Test
    void a_column_named_in_sort_by_that_no_file_has_fails_compaction_with_the_columns_it_found() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [ts_code] }\n" + STEPS);
        f.write("t/year=2024/a.parquet", "SELECT 'a' AS code, 1 AS v", 1000);

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(r.record().step("compact[t]").orElseThrow().error())
                .isEqualTo("partition year=2024 of t: column ts_code (in sort_by or key) is in none of its 1 files; the files have: code, v");
        assertThat(r.record().step("swap[t]").orElseThrow().status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.files("lake/t")).containsExactly("year=2024/a.parquet");
    }

    @Test
    void compact_and_verify_say_which_partition_they_are_at() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(KEYED);
        f.write("t/year=2023/a.parquet", "SELECT 'A' AS code, 1 AS d, 'x' AS v", 1000);
        f.write("t/year=2024/a.parquet", "SELECT 'B' AS code, 1 AS d, 'y' AS v", 1000);
        java.util.List<String> said = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        RunOutcome outcome = f.run(new io.duckdag.engine.RunListener() {
            @Override
            public void stepProgress(String stepId, String text) {
                said.add(stepId + ": " + text);
            }
        });

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(said).contains("compact[t]: partition 1 of 2 (year=2023, 1 files)", "compact[t]: partition 2 of 2 (year=2024, 1 files)",
                "verify[t]: partition 1 of 2 (year=2023)", "verify[t]: partition 2 of 2 (year=2024)");
    }
}
