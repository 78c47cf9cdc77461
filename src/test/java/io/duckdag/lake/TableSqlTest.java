package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SQL that {@link Sql} and {@link TableSql} build, run by DuckDB on small Parquet files:
 * quoting of odd names, the order-independent checksum, latest-row-per-key, the order check,
 * and the casts and exactness checks between types. Expected values come from the rows the test
 * writes, computed by a separate plain query or by hand.
 */
class TableSqlTest extends DuckDbTest {
    // ---- quoting ----

    @Test
    void identifiers_are_double_quoted_with_quotes_doubled_and_literals_single_quoted() {
        assertThat(Sql.identifier("code")).isEqualTo("\"code\"");
        assertThat(Sql.identifier("a\"b")).isEqualTo("\"a\"\"b\"");
        assertThat(Sql.identifier("年份")).isEqualTo("\"年份\"");
        assertThat(Sql.identifier("with space")).isEqualTo("\"with space\"");
        assertThat(Sql.literal("it's")).isEqualTo("'it''s'");
        assertThat(Sql.literal(Path.of("/a b/it's.parquet"))).isEqualTo("'/a b/it''s.parquet'");
    }

    @Test
    void columns_with_odd_names_in_a_file_with_an_odd_name_are_read_counted_and_checked_for_order() throws Exception {
        Path file = Files.createDirectories(dir.resolve("a b")).resolve("it's.parquet");
        write(file, "SELECT * FROM (VALUES (1, 'x', 10, 'p'), (2, 'y', 20, 'q'), (3, 'z', 30, 'r')) "
                + "v(\"a\"\"b\", \"年份\", \"with space\", \"it's\")");
        List<Column> columns = List.of(new Column("a\"b", "INTEGER"), new Column("年份", "VARCHAR"), new Column("with space", "INTEGER"), new Column("it's", "VARCHAR"));
        List<String> names = columns.stream().map(Column::name).toList();

        String[] actual = row(TableSql.actual(List.of(file), columns, List.of("a\"b")));
        assertThat(actual[0]).isEqualTo("3");
        assertThat(actual[1]).isEqualTo(hashSum4("(1, 'x', 10, 'p'), (2, 'y', 20, 'q'), (3, 'z', 30, 'r')"));
        assertThat(actual[2]).isEqualTo("3");
        assertThat(row(TableSql.disorder(List.of(file), List.of("a\"b", "年份")))[0]).isEqualTo("0");
        assertThat(row(TableSql.disorder(List.of(file), List.of("with space")))[0]).isEqualTo("0");
        assertThat(rows("SELECT " + TableSql.columns(names) + " FROM " + TableSql.source(List.of(file))))
                .containsExactly("1|x|10|p", "2|y|20|q", "3|z|30|r");
    }

    @Test
    void a_column_named_like_the_sqls_own_values_is_not_taken_for_them() throws Exception {
        // n and p0 are names TableSql's own values might have had: they must stay the user's columns.
        Path file = write("a.parquet", "SELECT * FROM (VALUES (2, 1), (1, 2)) v(n, p0)");

        assertThat(row(TableSql.disorder(List.of(file), List.of("n")))).containsExactly("1", "0", "1");
        assertThat(row(TableSql.disorder(List.of(file), List.of("p0")))).containsExactly("0", null, null);
    }

    // ---- the checksum ----

    @Test
    void the_checksum_is_the_sum_of_row_hashes_whatever_the_order_or_the_split_into_files() throws Exception {
        Path one = write("one.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)");
        Path reversed = write("reversed.parquet", "SELECT * FROM (VALUES ('C', 3), ('B', 2), ('A', 1)) v(code, n)");
        Path first = write("first.parquet", "SELECT 'B' AS code, 2 AS n");
        Path second = write("second.parquet", "SELECT * FROM (VALUES ('C', 3), ('A', 1)) v(code, n)");
        List<Column> names = List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER"));
        String expected = hashSum("('A', 1), ('B', 2), ('C', 3)");

        assertThat(row(TableSql.actual(List.of(one), names, List.of()))).containsExactly("3", expected, "3");
        assertThat(row(TableSql.actual(List.of(reversed), names, List.of()))[1]).isEqualTo(expected);
        assertThat(row(TableSql.actual(List.of(first, second), names, List.of()))[1]).isEqualTo(expected);
        assertThat(row(TableSql.actual(List.of(second, first), names, List.of()))[1]).isEqualTo(expected);
    }

    @Test
    void the_checksum_changes_with_a_value_a_swap_of_values_between_rows_or_a_duplicate_in_place_of_a_row() throws Exception {
        List<Column> names = List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER"));
        String original = row(TableSql.actual(List.of(write("o.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2)) v(code, n)")), names, List.of()))[1];
        String changed = row(TableSql.actual(List.of(write("c.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 3)) v(code, n)")), names, List.of()))[1];
        String swapped = row(TableSql.actual(List.of(write("s.parquet", "SELECT * FROM (VALUES ('A', 2), ('B', 1)) v(code, n)")), names, List.of()))[1];
        String doubled = row(TableSql.actual(List.of(write("d.parquet", "SELECT * FROM (VALUES ('A', 1), ('A', 1)) v(code, n)")), names, List.of()))[1];
        String nulled = row(TableSql.actual(List.of(write("n.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', NULL)) v(code, n)")), names, List.of()))[1];

        assertThat(List.of(changed, swapped, doubled, nulled)).doesNotContain(original).doesNotHaveDuplicates();
    }

    @Test
    void no_rows_sum_to_zero() throws Exception {
        Path empty = write("e.parquet", "SELECT 'A' AS code, 1 AS n WHERE false");

        assertThat(row(TableSql.actual(List.of(empty), List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER")), List.of("code")))).containsExactly("0", "0", "0");
    }

    @Test
    void a_null_key_is_one_key_value_in_the_distinct_count() throws Exception {
        Path file = write("k.parquet", "SELECT * FROM (VALUES (NULL, 1), (NULL, 2), ('A', 3)) v(code, n)");

        // 3 rows, 2 distinct keys: NULL and 'A'; count(DISTINCT code) alone would say 1.
        assertThat(row(TableSql.actual(List.of(file), List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER")), List.of("code")))[2]).isEqualTo("2");
    }

    @Test
    void expected_over_the_inputs_agrees_with_actual_over_the_same_rows_written_sorted() throws Exception {
        Path a = write("a.parquet", "SELECT * FROM (VALUES ('B', 2), ('A', 1)) v(code, n)");
        Path b = write("b.parquet", "SELECT 'C' AS code, 3 AS n");
        Path out = write("out.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)");
        List<Column> names = List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER"));

        String[] expected = row(TableSql.expected(TableSql.source(List.of(a, b)), names, List.of()));

        assertThat(expected).containsExactly("3", hashSum("('A', 1), ('B', 2), ('C', 3)"));
        assertThat(row(TableSql.actual(List.of(out), names, List.of()))[1]).isEqualTo(expected[1]);
    }

    // ---- latest row per key ----

    @Test
    void with_a_key_the_row_of_the_latest_file_counts_then_the_later_name_then_the_later_row() throws Exception {
        Path a = write("a.parquet", "SELECT * FROM (VALUES ('K', 'a1'), ('L', 'a1')) v(code, v)");
        Path b = write("b.parquet", "SELECT * FROM (VALUES ('K', 'b1'), ('K', 'b2')) v(code, v)");
        List<String> names = List.of("code", "v");
        List<Column> columns = List.of(new Column("code", "VARCHAR"), new Column("v", "VARCHAR"));
        List<Path> files = List.of(a, b);

        execute(TableSql.inputsTable(files, List.of(200L, 100L)));
        assertThat(row(TableSql.expected(TableSql.source(files), columns, List.of("code"))))
                .containsExactly("2", hashSum("('K', 'a1'), ('L', 'a1')"));
        assertThat(rows(TableSql.compacted(TableSql.source(files), names, List.of("code"), List.of("code")))).containsExactly("K|a1", "L|a1");

        execute(TableSql.inputsTable(files, List.of(100L, 100L)));
        assertThat(row(TableSql.expected(TableSql.source(files), columns, List.of("code"))))
                .containsExactly("2", hashSum("('K', 'b2'), ('L', 'a1')"));
        assertThat(rows(TableSql.compacted(TableSql.source(files), names, List.of("code"), List.of("code")))).containsExactly("K|b2", "L|a1");
    }

    @Test
    void without_a_key_compacted_sorts_nulls_last_and_breaks_ties_by_file_then_row() throws Exception {
        Path b = write("b.parquet", "SELECT * FROM (VALUES ('A', 'b1'), (NULL, 'b2'), ('A', 'b3')) v(code, v)");
        Path a = write("a.parquet", "SELECT * FROM (VALUES ('B', 'a1'), ('A', 'a2')) v(code, v)");

        assertThat(rows(TableSql.compacted(TableSql.source(List.of(a, b)), List.of("code", "v"), List.of(), List.of("code"))))
                .containsExactly("A|a2", "A|b1", "A|b3", "B|a1", "null|b2");
    }

    // ---- the order check ----

    @Test
    void disorder_counts_rows_after_a_larger_one_across_sort_columns_and_files() throws Exception {
        Path sorted = write("s.parquet", "SELECT * FROM (VALUES ('A', 1), ('A', 2), ('B', 1), (NULL, 0)) v(code, n)");
        Path secondColumn = write("t.parquet", "SELECT * FROM (VALUES ('A', 2), ('A', 1), ('B', 1)) v(code, n)");
        Path early = write("u.parquet", "SELECT 'A' AS code, 5 AS n");

        assertThat(row(TableSql.disorder(List.of(sorted), List.of("code", "n")))[0]).isEqualTo("0");
        assertThat(row(TableSql.disorder(List.of(secondColumn), List.of("code")))[0]).isEqualTo("0");
        assertThat(row(TableSql.disorder(List.of(secondColumn), List.of("code", "n")))).containsExactly("1", "0", "1");
        // Each file is sorted, but the second starts below where the first ended: its row 0 of file 1.
        assertThat(row(TableSql.disorder(List.of(sorted, early), List.of("code", "n")))).containsExactly("1", "1", "0");
    }

    // ---- types ----

    @Test
    void casts_convert_text_and_bytes_as_utf8_and_floating_point_to_decimal_through_its_shortest_text() throws Exception {
        assertThat(TableSql.cast("x", "INTEGER", "INTEGER")).isEqualTo("x");
        assertThat(TableSql.cast("x", "INTEGER", "BIGINT")).isEqualTo("CAST(x AS BIGINT)");
        // é is the two bytes C3 A9 in UTF-8; DuckDB's own CAST would give or read the escaped text instead.
        assertThat(row("SELECT " + TableSql.cast("'caf\\xC3\\xA9'::BLOB", "BLOB", "VARCHAR"))[0]).isEqualTo("café");
        assertThat(row("SELECT CAST('caf\\xC3\\xA9'::BLOB AS VARCHAR)")[0]).isEqualTo("caf\\xC3\\xA9");
        assertThat(row("SELECT " + TableSql.cast("'café'", "VARCHAR", "BLOB") + " = 'caf\\xC3\\xA9'::BLOB")[0]).isEqualTo("true");
        assertThat(row("SELECT " + TableSql.cast("0.1::DOUBLE", "DOUBLE", "DECIMAL(20,18)"))[0]).isEqualTo("0.100000000000000000");
        assertThat(row("SELECT " + TableSql.cast("0.1::FLOAT", "FLOAT", "DECIMAL(10,3)"))[0]).isEqualTo("0.100");
    }

    @Test
    void rows_casts_each_group_to_the_result_types_and_fills_a_missing_column_with_null() throws Exception {
        Path ints = write("i.parquet", "SELECT 'A' AS code, 1::INTEGER AS n");
        Path bigs = write("b.parquet", "SELECT 'B' AS code, 5000000000::BIGINT AS n, 'x' AS extra");
        Path noN = write("c.parquet", "SELECT 'C' AS code");
        List<InputSchema.Group> groups = List.of(
                new InputSchema.Group(List.of(ints), Map.of("code", "VARCHAR", "n", "INTEGER")),
                new InputSchema.Group(List.of(bigs), Map.of("code", "VARCHAR", "n", "BIGINT", "extra", "VARCHAR")),
                new InputSchema.Group(List.of(noN), Map.of("code", "VARCHAR")));
        List<Column> columns = List.of(new Column("code", "VARCHAR"), new Column("n", "BIGINT"), new Column("extra", "VARCHAR"));

        String sql = "SELECT code, n, extra, typeof(n) FROM " + TableSql.rows(groups, columns) + " ORDER BY code";

        assertThat(rows(sql)).containsExactly("A|1|null|BIGINT", "B|5000000000|x|BIGINT", "C|null|null|BIGINT");
    }

    @Test
    void files_of_one_group_with_their_columns_in_another_order_are_read_by_name() throws Exception {
        Path a = write("a.parquet", "SELECT 'A' AS code, 'a-value' AS v");
        Path b = write("b.parquet", "SELECT 'b-value' AS V, 'B' AS Code");
        Map<Path, List<Column>> schemas = FileSchemas.read(connection, List.of(a, b));
        List<InputSchema.Group> groups = InputSchema.groups(schemas, List.of("year"));
        List<Column> columns = List.of(new Column("code", "VARCHAR"), new Column("v", "VARCHAR"));

        assertThat(groups).hasSize(1);
        execute(TableSql.load(groups, columns, Map.of(a, 0, b, 1), null, Map.of("year", "2024")));
        assertThat(rows("SELECT code, v FROM " + TableSql.LOADED + " ORDER BY code")).containsExactly("A|a-value", "B|b-value");
        assertThat(rows("SELECT code, v FROM " + TableSql.rows(groups, columns) + " ORDER BY code")).containsExactly("A|a-value", "B|b-value");
    }

    @Test
    void one_group_already_in_the_result_types_is_read_as_is() {
        Path f = dir.resolve("f.parquet");
        List<InputSchema.Group> groups = List.of(new InputSchema.Group(List.of(f), Map.of("code", "VARCHAR")));

        assertThat(TableSql.rows(groups, List.of(new Column("code", "VARCHAR")))).isEqualTo(TableSql.source(List.of(f)));
    }

    @Test
    void inexact_counts_the_values_that_do_not_survive_a_conversion_and_shows_the_smallest() throws Exception {
        Path text = write("t.parquet", "SELECT * FROM (VALUES ('1.50'), (' 2 '), ('1.505'), ('abc'), (NULL)) v(x)");
        Path doubles = write("d.parquet", "SELECT * FROM (VALUES (0.5::DOUBLE), (-0.0::DOUBLE), (0.1::DOUBLE)) v(x)");
        Path big = write("b.parquet", "SELECT * FROM (VALUES ('9007199254740993'), ('9007199254740992')) v(x)");

        // '1.50' is 1.5 and ' 2 ' is 2 as DECIMAL(18,2); '1.505' would round, 'abc' is no number; NULL is no value.
        assertThat(row(TableSql.inexact(List.of(text), "x", "VARCHAR", "DECIMAL(18,2)")))
                .containsExactly("2", text.toString(), "1.505");
        // 0.5 and -0.0 are FLOATs exactly; 0.1 is not.
        assertThat(row(TableSql.inexact(List.of(doubles), "x", "DOUBLE", "FLOAT"))).containsExactly("1", doubles.toString(), "0.1");
        // 2^53 + 1 is no DOUBLE.
        assertThat(row(TableSql.inexact(List.of(big), "x", "VARCHAR", "DOUBLE"))).containsExactly("1", big.toString(), "9007199254740993");
        assertThat(row(TableSql.inexact(List.of(big), "x", "VARCHAR", "HUGEINT"))[0]).isEqualTo("0");
    }

    @Test
    void nested_casts_that_cannot_be_checked_exactly_say_why() {
        assertThat(TableSql.uncheckable("INTEGER[]", "BIGINT[]")).isEmpty();
        assertThat(TableSql.uncheckable("BLOB", "VARCHAR")).isEmpty();
        assertThat(TableSql.uncheckable("BLOB[]", "VARCHAR[]"))
                .contains("a BLOB inside a list, struct or map cannot be converted exactly (DuckDB's cast escapes bytes)");
        assertThat(TableSql.uncheckable("DOUBLE[]", "DECIMAL(18,2)[]"))
                .contains("a FLOAT or DOUBLE inside a list, struct or map cannot be converted to DECIMAL exactly");
        // BLOBFOO is not BLOB: whole words only.
        assertThat(TableSql.uncheckable("STRUCT(BLOBFOO INTEGER)", "STRUCT(BLOBFOO BIGINT)")).isEmpty();
    }

    @Test
    void footer_rows_add_up_the_files_row_counts() throws Exception {
        Path a = write("a.parquet", "SELECT * FROM range(7)");
        Path b = write("b.parquet", "SELECT * FROM range(5)");

        assertThat(row(TableSql.footerRows(List.of(a, b)))[0]).isEqualTo("12");
    }

    // ---- helpers ----

    Path write(String name, String select) throws Exception {
        return write(dir.resolve(name), select);
    }

    Path write(Path file, String select) throws Exception {
        execute("COPY (" + select + ") TO " + Sql.literal(file) + " (FORMAT PARQUET)");
        return file;
    }

    String hashSum(String rows) throws Exception {
        return row("SELECT sum(hash(a, b)::HUGEINT) FROM (VALUES " + rows + ") v(a, b)")[0];
    }

    String hashSum4(String rows) throws Exception {
        return row("SELECT sum(hash(a, b, c, d)::HUGEINT) FROM (VALUES " + rows + ") v(a, b, c, d)")[0];
    }

    String[] row(String sql) throws Exception {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            int n = rs.getMetaData().getColumnCount();
            String[] out = new String[n];
            for (int i = 0; i < n; i++) {
                out[i] = rs.getString(i + 1);
            }
            return out;
        }
    }

    List<String> rows(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(b.toString());
            }
        }
        return out;
    }
}
