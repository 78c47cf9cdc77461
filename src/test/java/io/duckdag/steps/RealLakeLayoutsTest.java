package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.engine.RunOutcome;
import io.duckdag.lake.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline (compact, verify, swap, sync-metadata) on lakes laid out and named the
 * way other tools write them. Each test copies the table's rows as its view reads them before
 * the run, and afterwards checks that the view in metadata.db holds exactly those rows, with
 * every value, its text and its type, and that every live file is sorted by sort_by.
 */
class RealLakeLayoutsTest {
    @TempDir
    Path dir;

    /** Writes the rows of {@code select} as a Parquet file in {@code lake/<relative>}, with COPY {@code options}. */
    static Path write(LakeFixture f, String relative, String select, String options, long mtimeSeconds) throws Exception {
        Path target = f.lake.resolve(relative);
        Files.createDirectories(target.getParent());
        f.sql("COPY (" + select + ") TO " + Sql.literal(target.toString()) + " (FORMAT PARQUET" + options + ")");
        Files.setLastModifiedTime(target, FileTime.from(Instant.ofEpochSecond(mtimeSeconds)));
        return target;
    }

    static String values(List<String> columns, String... rows) {
        return "SELECT * FROM (VALUES " + String.join(", ", rows) + ") v(" + columns.stream().map(Sql::identifier)
                .collect(Collectors.joining(", ")) + ")";
    }

    static void assertSucceeded(RunOutcome outcome) {
        assertThat(outcome.record().steps().values().stream().filter(s -> s.error() != null).map(s -> s.id() + ": " + s.error()).toList())
                .as("step errors").isEmpty();
        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
    }

    @Test
    void column_names_that_differ_only_in_case_of_a_to_z_are_refused_before_writing_because_duckdb_reads_them_as_one() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [TS_Code] }\n"
                + CompactVerifySwapTest.STEPS);
        write(f, "t/year=2024/a.parquet", "SELECT * FROM (VALUES ('b', 1), ('a', 2)) v(\"TS_Code\", \"Ä\")", "", 1000);
        write(f, "t/year=2024/b.parquet", "SELECT * FROM (VALUES ('c', 3)) v(ts_code, \"ä\")", "", 2000);
        List<String> before = f.files("lake");
        // A view shows TS_Code and ts_code as one column (DuckDB folds A-Z only, so Ä and ä stay two).
        assertThat(f.rows("SELECT column_name FROM (DESCRIBE SELECT * FROM " + f.live("t") + ")")).containsExactly("TS_Code", "Ä", "ä", "year");

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(outcome.record().step("compact[t]").orElseThrow().error()).isEqualTo("partition year=2024 of t: the files name a column "
                + "both TS_Code (in a.parquet) and ts_code (in b.parquet), names DuckDB does not tell apart (it ignores the case of A-Z); "
                + "nothing was written. Rewrite the files so that they spell it one way");
        assertThat(f.files("lake")).isEqualTo(before);
        assertThat(f.files("staging").stream().filter(n -> n.endsWith(".parquet"))).isEmpty();
    }

    @Test
    void columns_named_like_the_aliases_in_duckdags_own_sql_are_ordinary_columns() throws Exception {
        // Compaction and verify name things n, p0, m, s, i, l, h, file and mtime inside their SQL.
        List<String> columns = List.of("n", "p0", "m", "s", "i", "l", "h", "file", "mtime", "w");
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [n, p0, w], "
                + "key: [m, s, i, l, h, file, mtime] }\n" + CompactVerifySwapTest.STEPS);
        write(f, "t/year=2024/a.parquet", values(columns,
                "(2, 'b', 1, 'x', 1, 'l', 0.5, 'f1', 100, 'old')",
                "(1, 'a', 2, 'x', 1, 'l', 0.5, 'f1', 100, 'kept')",
                "(2, 'a', 3, 'y', 1, 'l', 0.5, 'f1', 100, 'kept')"), "", 1000);
        write(f, "t/year=2024/b.parquet", values(columns,
                "(0, 'z', 1, 'x', 1, 'l', 0.5, 'f1', 100, 'new')",
                "(3, NULL, 4, NULL, NULL, NULL, NULL, NULL, NULL, 'kept')"), "", 2000);
        LakeSnapshot t = LakeSnapshot.take(f, "t");
        assertThat(t.drop("w = 'old'")).isEqualTo(1);

        assertSucceeded(f.run());

        t.assertViewHoldsExactlyTheseRows();
        t.assertEveryFileSortedBy(List.of("n", "p0", "w"));
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT n, w FROM t ORDER BY n, p0"))
                .containsExactly("0|new", "1|kept", "2|kept", "3|kept");
    }

    @Test
    void a_one_column_key_that_is_null_in_some_rows_keeps_the_latest_of_those_rows() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code], key: [code] }\n"
                + CompactVerifySwapTest.STEPS);
        List<String> columns = List.of("code", "v");
        write(f, "t/year=2024/a.parquet", values(columns, "('b', 1)", "(NULL, 2)", "('a', 3)"), "", 1000);
        write(f, "t/year=2024/b.parquet", values(columns, "(NULL, 4)"), "", 2000);
        LakeSnapshot t = LakeSnapshot.take(f, "t");
        // NULL is one key value: the row of the later file replaces the earlier one.
        assertThat(t.drop("v = 2")).isEqualTo(1);

        assertSucceeded(f.run());

        t.assertViewHoldsExactlyTheseRows();
        t.assertEveryFileSortedBy(List.of("code"));
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT code, v FROM t ORDER BY code NULLS LAST"))
                .containsExactly("a|3", "b|1", "null|4");
    }
}
