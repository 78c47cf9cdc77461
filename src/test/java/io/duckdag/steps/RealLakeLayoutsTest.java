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
    void column_names_with_spaces_dots_colons_quotes_mixed_case_and_chinese_work_in_sort_by_key_and_partition_by() throws Exception {
        List<String> columns = List.of("TS_Code", "trade date", "a.b", "x:y", "say \"hi\"", "it's", "营业收入");
        String all = "[TS_Code, \"trade date\", \"a.b\", \"x:y\", 'say \"hi\"', \"it's\", 营业收入]";
        String odd = "Trade.Yr \"q\" it's:x";
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n"
                + "  names: { partition_by: [年份], sort_by: " + all + ", key: " + all.replace(", 营业收入", "") + " }\n"
                + "  odd: { partition_by: [\"Trade.Yr \\\"q\\\" it's:x\"], sort_by: ['say \"hi\"', \"it's\"], key: [\"a.b\"] }\n"
                + CompactVerifySwapTest.STEPS);
        write(f, "names/年份=2024/a.parquet", values(columns,
                "('000002.SZ', DATE '2024-03-01', 'p', 1, 'q\"1', 'it''s', 10.5)",
                "('000001.SZ', DATE '2024-03-02', 'p', 1, 'q\"1', 'x', 3.25)",
                "('000001.SZ', DATE '2024-03-01', 'p', 2, NULL, 'x', NULL)"), "", 1000);
        write(f, "names/年份=2024/b.parquet", values(columns,
                "('000002.SZ', DATE '2024-03-01', 'p', 1, 'q\"1', 'it''s', 11.0)",
                "('000003.SZ', DATE '2024-01-05', NULL, 7, '', '', -2.0)"), "", 2000);
        write(f, "names/年份=2023/c.parquet", values(columns,
                "('000009.SZ', DATE '2023-12-31', 'a.b', 0, '\"', '''', 1e10)",
                "('000008.SZ', DATE '2023-06-30', 'a.b', 0, '\"', '''', 0.1)"), "", 1500);
        for (String year : List.of("2023", "2024")) {
            // DuckDB ignores the case of A-Z only: Ä and ä are two columns.
            write(f, "odd/" + odd + "=" + year + "/x.parquet", values(List.of("a.b", "say \"hi\"", "it's", "Ä", "ä"),
                    "('" + year + "-2', 'b', 'z', 1, 2)", "('" + year + "-1', 'a', 'z', 3, 4)", "('" + year + "-3', 'a', 'y', 5, 6)"), "", 1000);
        }
        LakeSnapshot names = LakeSnapshot.take(f, "names");
        LakeSnapshot oddNames = LakeSnapshot.take(f, "odd");
        // The key (every column but 营业收入) of the row in a.parquet repeats in the later b.parquet.
        assertThat(names.drop("\"营业收入\" = 10.5")).isEqualTo(1);

        assertSucceeded(f.run());

        names.assertViewHoldsExactlyTheseRows();
        oddNames.assertViewHoldsExactlyTheseRows();
        assertThat(names.assertEveryFileSortedBy(columns)).hasSize(2).allMatch(n -> n.matches("年份=202[34]/part-.*\\.parquet"));
        assertThat(oddNames.assertEveryFileSortedBy(List.of("say \"hi\"", "it's")))
                .hasSize(2).allMatch(n -> n.startsWith(odd + "=20"));
        Optional<Path> db = Optional.of(dir.resolve("metadata.db"));
        assertThat(f.rows(db, "SELECT \"营业收入\", \"it's\" FROM names WHERE \"年份\" = 2024 AND \"TS_Code\" = '000002.SZ'"))
                .containsExactly("11.0|it's");
        assertThat(f.rows(db, "SELECT " + Sql.identifier(odd) + ", count(*), sum(\"Ä\"), sum(\"ä\") FROM odd WHERE \"say \"\"hi\"\"\" = 'a' GROUP BY 1 ORDER BY 1"))
                .containsExactly("2023|2|8|10", "2024|2|8|10");
    }

    @Test
    void column_names_that_differ_only_in_case_of_a_to_z_are_one_column_as_duckdb_reads_them() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [ts_code] }\n"
                + CompactVerifySwapTest.STEPS);
        write(f, "t/year=2024/a.parquet", "SELECT * FROM (VALUES ('b', 1), ('a', 2)) v(\"TS_Code\", \"Ä\")", "", 1000);
        write(f, "t/year=2024/b.parquet", "SELECT * FROM (VALUES ('c', 3)) v(ts_code, \"ä\")", "", 2000);
        // A view shows TS_Code and ts_code as one column (DuckDB folds A-Z only, so Ä and ä stay two).
        assertThat(f.rows("SELECT column_name FROM (DESCRIBE SELECT * FROM " + f.live("t") + ")")).containsExactly("TS_Code", "Ä", "ä", "year");
        LakeSnapshot t = LakeSnapshot.take(f, "t");

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).as(String.valueOf(outcome.record().step("compact[t]").orElseThrow().error())).isEqualTo(ExitCode.OK);
        t.assertViewHoldsExactlyTheseRows();
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT \"TS_Code\", \"Ä\", \"ä\" FROM t ORDER BY 1"))
                .containsExactly("a|2|null", "b|1|null", "c|null|3");
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

    @Test
    void two_level_partitions_are_compacted_folder_by_folder() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year, month], sort_by: [code, d] }\n"
                + CompactVerifySwapTest.STEPS);
        List<String> columns = List.of("code", "d", "v");
        write(f, "t/year=2024/month=01/a.parquet", values(columns, "('B', DATE '2024-01-02', 1.5)", "('A', DATE '2024-01-03', 2.5)"), "", 1000);
        write(f, "t/year=2024/month=01/b.parquet", values(columns, "('A', DATE '2024-01-01', 3.5)"), "", 2000);
        write(f, "t/year=2024/month=02/a.parquet", values(columns, "('C', DATE '2024-02-01', 4.5)", "('A', DATE '2024-02-09', NULL)"), "", 1000);
        write(f, "t/year=2023/month=12/a.parquet", values(columns, "('Z', DATE '2023-12-31', 5.5)", "('Y', DATE '2023-12-01', 6.5)"), "", 1000);
        LakeSnapshot t = LakeSnapshot.take(f, "t");

        RunOutcome outcome = f.run();

        assertSucceeded(outcome);
        assertThat(outcome.record().step("compact[t]").orElseThrow().metrics()).containsEntry("partitions_rewritten", 3);
        t.assertViewHoldsExactlyTheseRows();
        assertThat(t.assertEveryFileSortedBy(List.of("code", "d")))
                .hasSize(3).allMatch(n -> n.matches("year=(2023/month=12|2024/month=0[12])/part-.*\\.parquet"));
        // DuckDB reads year=2024 as a number but keeps month=01 as the text written (a number would lose its 0).
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT year, month, typeof(month), count(*), min(code) FROM t GROUP BY ALL ORDER BY ALL"))
                .containsExactly("2023|12|VARCHAR|2|Y", "2024|01|VARCHAR|3|A", "2024|02|VARCHAR|2|A");
    }

    @Test
    void partition_values_that_hive_escapes_and_its_null_folder_read_back_as_the_values_they_stand_for() throws Exception {
        // Spark escapes a column name too (column a:b, folder a%3Ab=1); DuckDB decodes values only,
        // so partition_by names the column as its folder spells it.
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [k], sort_by: [id] }\n"
                + "  esc: { partition_by: [\"a%3Ab\"], sort_by: [id] }\n" + CompactVerifySwapTest.STEPS);
        List<String> columns = List.of("id", "s");
        write(f, "t/k=a%3Ab/a.parquet", values(columns, "(2, 'colon')", "(1, 'colon')"), "", 1000);
        write(f, "t/k=a%3Ab/b.parquet", values(columns, "(0, 'colon')"), "", 2000);
        write(f, "t/k=x y/a.parquet", values(columns, "(5, 'space')", "(4, 'space')"), "", 1000);
        write(f, "t/k=__HIVE_DEFAULT_PARTITION__/a.parquet", values(columns, "(9, 'null')", "(8, 'null')"), "", 1000);
        write(f, "esc/a%3Ab=1/a.parquet", values(columns, "(2, 'one')", "(1, 'one')"), "", 1000);
        write(f, "esc/a%3Ab=2/a.parquet", values(columns, "(3, 'two')"), "", 1000);
        LakeSnapshot t = LakeSnapshot.take(f, "t");
        LakeSnapshot esc = LakeSnapshot.take(f, "esc");

        assertSucceeded(f.run());

        t.assertViewHoldsExactlyTheseRows();
        esc.assertViewHoldsExactlyTheseRows();
        assertThat(t.assertEveryFileSortedBy(List.of("id"))).hasSize(3)
                .anyMatch(n -> n.startsWith("k=a%3Ab/part-")).anyMatch(n -> n.startsWith("k=x y/part-"))
                .anyMatch(n -> n.startsWith("k=__HIVE_DEFAULT_PARTITION__/part-"));
        assertThat(esc.assertEveryFileSortedBy(List.of("id"))).hasSize(2).allMatch(n -> n.startsWith("a%3Ab="));
        Optional<Path> db = Optional.of(dir.resolve("metadata.db"));
        assertThat(f.rows(db, "SELECT k, k IS NULL, min(s), count(*) FROM t GROUP BY k ORDER BY k NULLS LAST"))
                .containsExactly("a:b|false|colon|3", "x y|false|space|2", "null|true|null|2");
        assertThat(f.rows(db, "SELECT \"a%3Ab\", count(*) FROM esc GROUP BY 1 ORDER BY 1")).containsExactly("1|2", "2|1");
    }

    @Test
    void a_table_without_partitions_keeps_its_files_in_its_own_folder() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  flat: { sort_by: [code], key: [code] }\n" + CompactVerifySwapTest.STEPS);
        List<String> columns = List.of("code", "v");
        write(f, "flat/x.parquet", values(columns, "('b', 1)", "('a', 2)"), "", 1000);
        write(f, "flat/y.parquet", values(columns, "('c', 3)", "('d', 4)"), "", 2000);
        LakeSnapshot flat = LakeSnapshot.take(f, "flat");

        assertSucceeded(f.run());

        flat.assertViewHoldsExactlyTheseRows();
        assertThat(flat.assertEveryFileSortedBy(List.of("code"))).singleElement().matches(n -> n.matches("part-[^/]*\\.parquet"));
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT string_agg(code, '' ORDER BY code), sum(v) FROM flat"))
                .containsExactly("abcd|10");
    }

    @Test
    void sparks_part_files_are_compacted_and_its_success_and_crc_markers_are_left_alone() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  spark: { partition_by: [year], sort_by: [id] }\n" + CompactVerifySwapTest.STEPS);
        List<String> columns = List.of("id", "name");
        Map<String, byte[]> markers = new LinkedHashMap<>();
        markers.put("spark/_SUCCESS", new byte[0]);
        markers.put("spark/._SUCCESS.crc", new byte[] {'c', 'r', 'c', 0, 0, 0, 2, 0, (byte) 0x8e, (byte) 0xa7, 0x1b, 0x3c});
        String[][] parts = {
            {"year=2024", "part-00000-2b1f0c4e-5a3d-4c1b-9a51-0f3c8e6d1a22.c000.snappy.parquet", "(3, 'c'), (1, 'a')"},
            {"year=2024", "part-00001-2b1f0c4e-5a3d-4c1b-9a51-0f3c8e6d1a22.c000.snappy.parquet", "(2, 'b')"},
            {"year=2023", "part-00000-2b1f0c4e-5a3d-4c1b-9a51-0f3c8e6d1a22.c000.snappy.parquet", "(9, 'z'), (7, 'x')"},
        };
        for (String[] p : parts) {
            write(f, "spark/" + p[0] + "/" + p[1], "SELECT * FROM (VALUES " + p[2] + ") v(id, name)", ", COMPRESSION SNAPPY", 1000);
            // Hadoop's checksum file: a header, then a CRC per chunk; not Parquet.
            markers.put("spark/" + p[0] + "/." + p[1] + ".crc", new byte[] {'c', 'r', 'c', 0, 0, 0, 2, 0, 0x11, 0x22, 0x33, 0x44});
        }
        for (Map.Entry<String, byte[]> m : markers.entrySet()) {
            Files.write(f.lake.resolve(m.getKey()), m.getValue());
        }
        LakeSnapshot spark = LakeSnapshot.take(f, "spark");
        assertThat(f.rows("SELECT DISTINCT compression FROM parquet_metadata(" + Sql.literal(f.lake.resolve("spark") + "/*/*.parquet") + ")"))
                .containsExactly("SNAPPY");

        RunOutcome outcome = f.run();

        assertSucceeded(outcome);
        assertThat(outcome.record().step("compact[spark]").orElseThrow().metrics()).containsEntry("files_in", 3L);
        spark.assertViewHoldsExactlyTheseRows();
        assertThat(spark.assertEveryFileSortedBy(List.of("id"))).hasSize(2);
        for (Map.Entry<String, byte[]> m : markers.entrySet()) {
            assertThat(f.lake.resolve(m.getKey())).as("marker %s", m.getKey()).hasBinaryContent(m.getValue());
        }
        String run = f.latest().runId();
        assertThat(f.files("backups")).containsExactlyInAnyOrder(
                List.of(parts).stream().map(p -> "p/" + run + "/spark/" + p[0] + "/" + p[1]).toArray(String[]::new));
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT year, string_agg(name, '' ORDER BY id) FROM spark GROUP BY year ORDER BY year"))
                .containsExactly("2023|xz", "2024|abc");
    }

    @Test
    void files_with_zero_rows_beside_other_files_and_alone_in_a_partition_lose_nothing() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [code] }\n" + CompactVerifySwapTest.STEPS);
        String rows = "SELECT * FROM (VALUES ('b', 1.5::DOUBLE, DATE '2024-01-02'), ('a', 2.5, DATE '2024-01-01')) v(code, v, d)";
        write(f, "t/year=2024/a.parquet", rows, "", 1000);
        write(f, "t/year=2024/empty.parquet", rows + " WHERE false", "", 2000);
        write(f, "t/year=2023/empty.parquet", rows + " WHERE false", "", 2000);
        LakeSnapshot t = LakeSnapshot.take(f, "t");
        assertThat(f.rows("SELECT count(*) FROM " + f.live("t") + " WHERE year = 2023")).containsExactly("0");

        assertSucceeded(f.run());

        t.assertViewHoldsExactlyTheseRows();
        t.assertEveryFileSortedBy(List.of("code"));
        Optional<Path> db = Optional.of(dir.resolve("metadata.db"));
        assertThat(f.rows(db, "SELECT year, string_agg(code, '' ORDER BY code) FROM t GROUP BY year ORDER BY year")).containsExactly("2024|ab");
        assertThat(f.rows(db, "SELECT column_name, column_type FROM (DESCRIBE t)"))
                .containsExactly("code|VARCHAR", "v|DOUBLE", "d|DATE", "year|BIGINT");
    }

    /** Nested, wide and unusual types, each table of the same rows sorted by another of them. */
    @Test
    void nested_decimal_timestamptz_uuid_blob_nan_and_all_null_columns_keep_every_value_and_sort() throws Exception {
        Map<String, String> sortBy = new LinkedHashMap<>();
        sortBy.put("by_list", "l");
        sortBy.put("by_struct", "s");
        sortBy.put("by_map", "m");
        sortBy.put("by_decimal", "d");
        sortBy.put("by_tz", "tz");
        sortBy.put("by_double", "f");
        StringBuilder tables = new StringBuilder("tables:\n");
        sortBy.forEach((t, c) -> tables.append("  ").append(t).append(": { partition_by: [year], sort_by: [").append(c).append(", id]")
                .append(t.equals("by_decimal") ? ", key: [u]" : "").append(" }\n"));
        LakeFixture f = new LakeFixture(dir).pipeline(tables + CompactVerifySwapTest.STEPS);
        List<String> columns = List.of("id", "l", "s", "m", "d", "tz", "u", "b", "f", "none_text", "none");
        String[] older = {
            "(1, [3, NULL, 1], {'a': 2, 'b': 'x'}, MAP {'k2': 1}, CAST('12345678901234567890123456.789012345678' AS DECIMAL(38,12)), "
                    + "TIMESTAMPTZ '2024-03-01 10:00:00.123456+08', UUID 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\\x00\\xFF'::BLOB, 'NaN'::DOUBLE, NULL::VARCHAR, NULL)",
            "(2, [], {'a': NULL, 'b': 'y'}, MAP {}, CAST('-99999999999999999999999999.999999999999' AS DECIMAL(38,12)), "
                    + "TIMESTAMPTZ '0001-01-01 00:00:00+00', UUID '00000000-0000-0000-0000-000000000000', ''::BLOB, 'Infinity'::DOUBLE, NULL, NULL)",
            "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        };
        String[] newer = {
            "(4, [1, 2], {'a': 1, 'b': NULL}, MAP {'k1': 2, 'k0': NULL}, CAST('0.000000000001' AS DECIMAL(38,12)), "
                    + "TIMESTAMPTZ '9999-12-31 23:59:59.999999+00', UUID '123e4567-e89b-12d3-a456-426614174000', 'a\\x00b'::BLOB, '-Infinity'::DOUBLE, NULL, NULL)",
            "(5, [3, NULL], {'a': 2, 'b': 'a'}, MAP {'k2': 0}, CAST('1.5' AS DECIMAL(38,12)), "
                    + "TIMESTAMPTZ '2024-03-01 02:00:00.123456+00', UUID '00000000-0000-0000-0000-000000000001', 'plain'::BLOB, -0.0::DOUBLE, NULL, NULL)",
            "(6, [NULL], {'a': -1, 'b': ''}, MAP {'': -1}, CAST('1.500000000000' AS DECIMAL(38,12)), "
                    + "TIMESTAMPTZ '1970-01-01 00:00:00+00', UUID '7fffffff-ffff-ffff-ffff-ffffffffffff', '\\xAA'::BLOB, 4.9e-324::DOUBLE, NULL, NULL)",
            "(7, [0], {'a': 0, 'b': 'z'}, MAP {'k3': 3}, CAST('2' AS DECIMAL(38,12)), "
                    + "TIMESTAMPTZ '2024-06-30 16:00:00+00', UUID '80000000-0000-0000-0000-000000000000', '\\x01'::BLOB, 0.0::DOUBLE, NULL, NULL)",
        };
        for (String table : sortBy.keySet()) {
            write(f, table + "/year=2024/a.parquet", values(columns, older), "", 1000);
            write(f, table + "/year=2024/b.parquet", values(columns, newer), "", 2000);
        }
        assertThat(f.rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("
                + Sql.literal(f.lake.resolve("by_list/year=2024/a.parquet").toString()) + ", hive_partitioning = false))"))
                .containsExactly("id|INTEGER", "l|INTEGER[]", "s|STRUCT(a INTEGER, b VARCHAR)", "m|MAP(VARCHAR, INTEGER)", "d|DECIMAL(38,12)",
                        "tz|TIMESTAMP WITH TIME ZONE", "u|UUID", "b|BLOB", "f|DOUBLE", "none_text|VARCHAR", "none|\"NULL\"");
        Map<String, LakeSnapshot> before = new LinkedHashMap<>();
        for (String table : sortBy.keySet()) {
            before.put(table, LakeSnapshot.take(f, table));
        }

        assertSucceeded(f.run());

        for (Map.Entry<String, String> t : sortBy.entrySet()) {
            before.get(t.getKey()).assertViewHoldsExactlyTheseRows();
            before.get(t.getKey()).assertEveryFileSortedBy(List.of(t.getValue(), "id")).forEach(n -> assertThat(n).startsWith("year=2024/part-"));
        }
        Optional<Path> db = Optional.of(dir.resolve("metadata.db"));
        assertThat(f.rows(db, "SELECT id FROM by_double WHERE isnan(f) OR isinf(f) ORDER BY f")).containsExactly("4", "2", "1");
        assertThat(f.rows(db, "SELECT CAST(f AS VARCHAR) FROM by_double WHERE id = 5")).containsExactly("-0.0");
        assertThat(f.rows(db, "SELECT CAST(d AS VARCHAR) FROM by_decimal WHERE d > 1e25")).containsExactly("12345678901234567890123456.789012345678");
        assertThat(f.rows(db, "SELECT m['k0'] IS NULL, m['k1'] FROM by_map WHERE id = 4")).containsExactly("true|2");
    }

    @Test
    void files_written_with_every_compression_and_different_row_group_sizes_compact_into_one_sorted_file() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [k, i] }\n" + CompactVerifySwapTest.STEPS);
        String[][] writers = {{"SNAPPY", "2048"}, {"GZIP", "4096"}, {"ZSTD", "100000"}, {"LZ4", "2048"}, {"BROTLI", "4096"}, {"UNCOMPRESSED", "100000"}};
        for (int w = 0; w < writers.length; w++) {
            write(f, "t/year=2024/" + writers[w][0].toLowerCase() + ".parquet",
                    "SELECT (hash(i, " + w + ") % 1000)::BIGINT AS k, i, md5((i * " + (w + 1) + ")::VARCHAR) AS payload, i / 7 AS ratio FROM range(5000) r(i)",
                    ", COMPRESSION " + writers[w][0] + ", ROW_GROUP_SIZE " + writers[w][1], 1000 + w);
        }
        String inputs = Sql.literal(f.lake.resolve("t/year=2024") + "/*.parquet");
        assertThat(f.rows("SELECT count(DISTINCT compression) FROM parquet_metadata(" + inputs + ")")).containsExactly(String.valueOf(writers.length));
        // DuckDB rounds a row group size up to a multiple of 2048 rows: 5000 rows make 3, 2 and 1 groups.
        assertThat(f.rows("SELECT count(DISTINCT groups) FROM (SELECT file_name, count(DISTINCT row_group_id) AS groups FROM parquet_metadata("
                + inputs + ") GROUP BY file_name)")).containsExactly("3");
        LakeSnapshot t = LakeSnapshot.take(f, "t");
        List<String> counts = f.rows("SELECT count(*), count(DISTINCT payload) FROM read_parquet(" + inputs + ")");

        assertSucceeded(f.run());

        t.assertViewHoldsExactlyTheseRows();
        assertThat(t.assertEveryFileSortedBy(List.of("k", "i"))).hasSize(1);
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT count(*), count(DISTINCT payload) FROM t")).isEqualTo(counts);
    }

    @Test
    void files_outside_the_partition_folders_are_named_in_the_log_and_only_partition_files_are_in_the_view() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [id] }\n" + CompactVerifySwapTest.STEPS);
        f.write("t/year=2024/a.parquet", "SELECT 1 AS id", 1000);
        f.write("t/root.parquet", "SELECT 2 AS id", 1000);
        f.write("t/Year=2023/b.parquet", "SELECT 3 AS id", 1000);
        // A downloader still writing under a hidden name, and a Spark job's scratch file.
        f.write("t/year=2024/.being-written.parquet", "SELECT 4 AS id", 1000);
        f.write("t/year=2024/_scratch.parquet", "SELECT 5 AS id", 1000);

        RunOutcome outcome = f.run();

        assertSucceeded(outcome);
        assertThat(outcome.record().step("compact[t]").orElseThrow().metrics()).containsEntry("files_outside_partitions", 2);
        assertThat(java.nio.file.Files.readString(f.runDir().resolve("logs/compact[t].log"))).contains("warning: 2 Parquet files under "
                + f.lake.resolve("t") + " are in no folder of the form year=..., so they are neither compacted nor read by the view, "
                + "e.g. Year=2023/b.parquet; move them into their partition folders");
        assertThat(f.files("lake/t")).contains("root.parquet", "Year=2023/b.parquet", "year=2024/.being-written.parquet", "year=2024/_scratch.parquet");
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT id FROM t ORDER BY id")).containsExactly("1");
    }

    @Test
    void an_undeclared_table_gets_a_view_without_hidden_folders_and_one_it_cannot_read_does_not_block_the_others() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("steps:\n  - { id: sync, type: sync-metadata }\n");
        f.write("und/year=2024/a.parquet", "SELECT 1 AS id", 1000);
        f.write("und/year=2024/_temporary/0/part-0.parquet", "SELECT 30 AS id", 1000);
        f.write("und/.spark-staging/b.parquet", "SELECT 31 AS id", 1000);
        f.write("mixed/root.parquet", "SELECT 2 AS id", 1000);
        f.write("mixed/year=2024/c.parquet", "SELECT 3 AS id", 1000);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(outcome.record().step("sync").orElseThrow().error()).isEqualTo("the view mixed, not refreshed: its files are at "
                + "different folder depths below " + f.lake.resolve("mixed") + " ([0, 1] levels), which DuckDB cannot read as one "
                + "Hive-partitioned table; declare it under tables: with its partition_by, or move the files; the other 1 views were");
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT id, year FROM und")).containsExactly("1|2024");
    }

    @Test
    void files_written_by_arrow_rs_keep_every_row_and_value() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  rs: { partition_by: [year], sort_by: [ts_code, at], key: [id] }\n"
                + CompactVerifySwapTest.STEPS);
        Path source = Path.of("src/test/resources/other-writers/arrow-rs/rs");
        List<Path> files;
        try (java.util.stream.Stream<Path> all = Files.walk(source)) {
            files = all.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
        long time = 1000;
        for (Path p : files) {
            Path target = f.lake.resolve("rs").resolve(source.relativize(p).toString());
            Files.createDirectories(target.getParent());
            Files.copy(p, target);
            Files.setLastModifiedTime(target, FileTime.from(Instant.ofEpochSecond(time++)));
        }
        LakeSnapshot rs = LakeSnapshot.take(f, "rs");

        RunOutcome outcome = f.run();

        assertSucceeded(outcome);
        rs.assertViewHoldsExactlyTheseRows();
        rs.assertEveryFileSortedBy(List.of("ts_code", "at")).forEach(n -> assertThat(n).matches("year=202[34]/part-.*"));
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT typeof(id), typeof(price), count(*) FROM rs GROUP BY ALL"))
                .containsExactly("BIGINT|DOUBLE|6500");
        assertThat(Files.readString(f.runDir().resolve("logs/compact[rs].log")))
                .contains("column id has types BIGINT, INTEGER (widened exactly to BIGINT)", "column price has types DOUBLE, FLOAT (widened exactly to DOUBLE)");
    }
}
