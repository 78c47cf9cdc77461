package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real jar runs the nightly pipeline and is killed (a halt, as kill -9) at each failpoint
 * of compact, verify, swap and sync, then resumed: every view must answer with exactly the
 * rows (count and checksum) of a run that was never killed, and the lake must hold the
 * {@link LakeInvariants} (the rows expected from the downloaded files, sorted, nothing left).
 */
class LakeCrashIT {
    static final String PIPELINE = TestPipelines.text("crash");

    static final List<LakeInvariants.Table> TABLES = List.of(LakeInvariants.INCOME, LakeInvariants.DAILY_BASIC);

    static Map<String, String> reference;
    static LakeInvariants.Rows downloadedIncome;
    /** The rows the lake must hold after compaction, computed from the downloaded files alone. */
    static Map<String, LakeInvariants.Rows> expected;

    @BeforeAll
    static void runOnceWithoutKilling(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("crash.yaml"), PIPELINE);
        Duckdag.Result r = Duckdag.run(cwd, "run", "crash.yaml");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        reference = views(cwd);
        assertThat(reference).hasSize(2);
        Path raw = cwd.resolve("raw");
        Files.createDirectories(raw);
        Files.writeString(raw.resolve("crash.yaml"), PIPELINE);
        Duckdag.Result download = Duckdag.run(raw, "run", "crash.yaml", "--only", "download");
        assertThat(download.code()).as(download.out() + download.err()).isZero();
        downloadedIncome = LakeInvariants.live(raw.resolve("data/parquet"), LakeInvariants.INCOME);
        expected = LakeInvariants.expect(raw.resolve("data/parquet"), TABLES);
        LakeInvariants.check(LakeInvariants.Folders.defaults(cwd, "crash"), TABLES, expected);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"rollback:income:journaled", "rollback:income:moved-1", "rollback:income:moves-durable"})
    void a_rollback_killed_half_way_is_finished_by_the_next_command_and_puts_back_exactly_what_was_downloaded(String point, @TempDir Path cwd)
            throws Exception {
        Files.writeString(cwd.resolve("crash.yaml"), PIPELINE);
        assertThat(Duckdag.run(cwd, "run", "crash.yaml").code()).isZero();
        assertThat(LakeInvariants.live(cwd.resolve("data/parquet"), LakeInvariants.INCOME)).isNotEqualTo(downloadedIncome);

        Duckdag.Result killed = Duckdag.run(cwd, Map.of("DUCKDAG_FAILPOINT", point), "rollback", "crash.yaml", "--table", "income");
        assertThat(killed.code()).as(killed.out() + killed.err()).isEqualTo(137);
        Duckdag.Result again = Duckdag.run(cwd, "rollback", "crash.yaml", "--table", "income");

        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).startsWith("finished an interrupted rollback of partition ");
        assertThat(LakeInvariants.live(cwd.resolve("data/parquet"), LakeInvariants.INCOME)).isEqualTo(downloadedIncome);
        LakeInvariants.assertNothingLeft(LakeInvariants.Folders.defaults(cwd, "crash"));
    }

    @org.junit.jupiter.api.Test
    void killed_while_removing_a_finished_runs_staging_the_next_command_finishes_the_removal_and_nothing_else_changes(@TempDir Path cwd)
            throws Exception {
        Files.writeString(cwd.resolve("crash.yaml"), PIPELINE);
        Duckdag.Result killed = Duckdag.run(cwd, Map.of("DUCKDAG_FAILPOINT", "prune:retired"), "run", "crash.yaml");
        assertThat(killed.code()).as(killed.out() + killed.err()).isEqualTo(137);
        // The run had succeeded before cleaning up: its staging is out of sight, whole or half removed.
        assertThat(views(cwd)).isEqualTo(reference);
        Path staging = cwd.resolve("data/staging/crash");
        try (Stream<Path> left = Files.list(staging)) {
            assertThat(left.map(p -> p.getFileName().toString())).singleElement().asString().startsWith(".deleting-");
        }

        Duckdag.Result gc = Duckdag.run(cwd, "gc", "crash.yaml");

        assertThat(gc.code()).as(gc.out() + gc.err()).isZero();
        try (Stream<Path> left = Files.list(staging)) {
            assertThat(left).isEmpty();
        }
        assertThat(views(cwd)).isEqualTo(reference);
    }

    static Stream<List<String>> kills() {
        return Stream.of(
                List.of("run-recorded"),
                List.of("before:compact[income]"),
                List.of("compact:partition-done:income"),
                List.of("after:compact[income]"),
                List.of("before:verify[income]"),
                List.of("after:verify[income]"),
                List.of("before:swap[income]"),
                List.of("swap:income:journaled"),
                List.of("swap:income:moved-1"),
                List.of("swap:income:moved-2"),
                List.of("swap:income:moves-durable"),
                List.of("after:swap[income]"),
                List.of("recorded:swap[income]"),
                List.of("before:sync-metadata"),
                List.of("sync:before-commit"),
                List.of("after:sync-metadata"),
                List.of("swap:income:moved-2", "recover:moved-1"),
                List.of("swap:income:moved-2", "recover:moves-durable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kills")
    void killed_there_then_resumed_the_lake_holds_exactly_the_rows_of_an_uninterrupted_run(List<String> points, @TempDir Path cwd)
            throws Exception {
        Files.writeString(cwd.resolve("crash.yaml"), PIPELINE);
        Duckdag.Result killed = Duckdag.run(cwd, Map.of("DUCKDAG_FAILPOINT", points.get(0)), "run", "crash.yaml");
        assertThat(killed.code()).as(killed.out() + killed.err()).isEqualTo(137);
        for (String again : points.subList(1, points.size())) {
            Duckdag.Result second = Duckdag.run(cwd, Map.of("DUCKDAG_FAILPOINT", again), "run", "crash.yaml", "--resume");
            assertThat(second.code()).as("second kill, during recovery: " + second.out() + second.err()).isEqualTo(137);
        }

        Duckdag.Result resumed = Duckdag.run(cwd, "run", "crash.yaml", "--resume");

        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(views(cwd)).isEqualTo(reference);
        LakeInvariants.check(LakeInvariants.Folders.defaults(cwd, "crash"), TABLES, expected);
    }

    /** Per view: row count and the sum of every row's hash. */
    static Map<String, String> views(Path cwd) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + cwd.resolve("data/metadata.db"))) {
            for (String view : List.of("daily_basic", "income")) {
                try (ResultSet rs = c.createStatement().executeQuery(
                        "SELECT count(*), sum(hash(*COLUMNS(*))::HUGEINT) FROM \"" + view + "\"")) {
                    rs.next();
                    out.put(view, rs.getString(1) + "/" + rs.getString(2));
                }
            }
        }
        return out;
    }
}
