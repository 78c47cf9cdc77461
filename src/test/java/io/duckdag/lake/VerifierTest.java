package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.pipeline.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Verifier on its own: the compaction it checks is written by hand here (the inputs in
 * {@code live/year=2024/}, the staged output in {@code staged/year=2024/}, the record that ties
 * them), so each test damages the output in exactly one way and pins the error it gives. The
 * checksums expected are computed from the rows written in the test, by DuckDB's hash of each
 * row summed, not read from the output.
 */
class VerifierTest extends DuckDbTest {
    static final String WHERE = "partition year=2024 of t: ";
    static final List<Column> CODE_N = List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER"));
    static final TableSpec SORTED = table(List.of("code"), List.of());
    static final TableSpec KEYED = table(List.of("code"), List.of("code"));

    static TableSpec table(List<String> sortBy, List<String> key) {
        return new TableSpec("t", List.of("year"), sortBy, key, Map.of(), TableSpec.OnUnreadable.FAIL, null);
    }

    /** Three rows in two files, out of order: (B,2) (A,1) in a.parquet, (C,3) in b.parquet. */
    void threeRows() throws Exception {
        live("a.parquet", "SELECT * FROM (VALUES ('B', 2), ('A', 1)) v(code, n)", 100);
        live("b.parquet", "SELECT 'C' AS code, 3 AS n", 200);
    }

    @Test
    void a_correct_output_passes_with_its_rows_checksum_and_file_sizes() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);

        Verification.VerifiedPartition v = verify(SORTED, compaction(3, CODE_N, out));

        assertThat(v.partition()).isEqualTo("year=2024");
        assertThat(v.rows()).isEqualTo(3);
        assertThat(v.duplicatesRemoved()).isZero();
        assertThat(v.checksum()).isEqualTo(hashSum("('A', 1), ('B', 2), ('C', 3)"));
        assertThat(v.outputs()).containsExactly(new StagedFile("part-0.parquet",
                Files.size(dir.resolve("staged/year=2024/part-0.parquet")), 3));
    }

    @Test
    void output_split_over_files_that_follow_each_other_passes() throws Exception {
        threeRows();
        StagedFile first = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2)) v(code, n)", 2);
        StagedFile second = staged("part-1.parquet", "SELECT 'C' AS code, 3 AS n", 1);

        Verification.VerifiedPartition v = verify(SORTED, compaction(3, CODE_N, first, second));

        assertThat(v.rows()).isEqualTo(3);
        assertThat(v.checksum()).isEqualTo(hashSum("('A', 1), ('B', 2), ('C', 3)"));
    }

    @Test
    void a_dropped_row_is_caught_by_the_count() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2)) v(code, n)", 2);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has 2 rows but the inputs hold 3; nothing was swapped");
    }

    @Test
    void a_duplicated_row_is_caught_by_the_count() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('B', 2), ('C', 3)) v(code, n)", 4);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has 4 rows but the inputs hold 3; nothing was swapped");
    }

    @Test
    void a_changed_value_is_caught_by_the_checksum() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 20), ('C', 3)) v(code, n)", 3);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has the right number of rows (3) but their contents differ from the inputs (row checksum "
                        + hashSum("('A', 1), ('B', 20), ('C', 3)") + " instead of " + hashSum("('A', 1), ('B', 2), ('C', 3)")
                        + "); nothing was swapped");
    }

    @Test
    void a_row_duplicated_in_place_of_another_does_not_cancel_out_in_the_checksum() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('A', 1), ('C', 3)) v(code, n)", 3);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessageContaining("the staged output has the right number of rows (3) but their contents differ from the inputs");
    }

    @Test
    void values_swapped_between_rows_change_the_checksum() throws Exception {
        threeRows();
        // Every column's multiset of values is the same; only the rows differ.
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 2), ('B', 1), ('C', 3)) v(code, n)", 3);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");
    }

    @Test
    void an_unsorted_file_is_named_with_the_first_row_out_of_order() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('B', 2), ('A', 1), ('C', 3)) v(code, n)", 3);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "staged file part-0.parquet is not sorted by code (1 rows out of order, the first at row 1); nothing was swapped");
    }

    @Test
    void sorted_files_that_overlap_are_out_of_order_at_the_first_row_of_the_later_file() throws Exception {
        threeRows();
        StagedFile first = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('C', 3)) v(code, n)", 2);
        StagedFile second = staged("part-1.parquet", "SELECT 'B' AS code, 2 AS n", 1);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, first, second))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "staged file part-1.parquet is not sorted by code (1 rows out of order, the first at row 0); nothing was swapped");
    }

    @Test
    void without_sort_by_any_order_passes() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('C', 3), ('A', 1), ('B', 2)) v(code, n)", 3);

        assertThat(verify(table(List.of(), List.of()), compaction(3, CODE_N, out)).rows()).isEqualTo(3);
    }

    @Test
    void nulls_sort_last() throws Exception {
        live("a.parquet", "SELECT * FROM (VALUES (NULL, 1), ('A', 2)) v(code, n)", 100);
        StagedFile good = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 2), (NULL, 1)) v(code, n)", 2);
        assertThat(verify(SORTED, compaction(2, CODE_N, good)).rows()).isEqualTo(2);

        StagedFile bad = staged("part-0.parquet", "SELECT * FROM (VALUES (NULL, 1), ('A', 2)) v(code, n)", 2);
        assertThatThrownBy(() -> verify(SORTED, compaction(2, CODE_N, bad))).isInstanceOf(LakeException.class)
                .hasMessageContaining("staged file part-0.parquet is not sorted by code (1 rows out of order, the first at row 1)");
    }

    @Test
    void a_column_missing_from_the_staged_file_is_named() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A'), ('B'), ('C')) v(code)", 3);

        // The record says what the output should have: the file is compared with it first.
        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "staged file part-0.parquet has columns (code VARCHAR) but the inputs have (code VARCHAR, n INTEGER)");
        // A record that lost the column too: the inputs themselves are compared with the output.
        assertThatThrownBy(() -> verify(SORTED, compaction(3, List.of(new Column("code", "VARCHAR")), out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "column n of input file a.parquet is missing from the staged output; nothing was swapped");
    }

    @Test
    void a_column_no_input_has_is_named() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT *, 0 AS x FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        List<Column> withX = List.of(new Column("code", "VARCHAR"), new Column("n", "INTEGER"), new Column("x", "INTEGER"));

        assertThatThrownBy(() -> verify(SORTED, compaction(3, withX, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has a column x that no input file has; nothing was swapped");
    }

    @Test
    void a_type_widened_exactly_passes_and_one_that_is_not_exact_is_refused() throws Exception {
        threeRows();
        StagedFile wide = staged("part-0.parquet", "SELECT code, n::BIGINT AS n FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        List<Column> bigint = List.of(new Column("code", "VARCHAR"), new Column("n", "BIGINT"));
        assertThat(verify(SORTED, compaction(3, bigint, wide)).checksum())
                .isEqualTo(hashSum("('A', 1::BIGINT), ('B', 2::BIGINT), ('C', 3::BIGINT)"));

        StagedFile narrow = staged("part-0.parquet", "SELECT code, n::SMALLINT AS n FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        List<Column> smallint = List.of(new Column("code", "VARCHAR"), new Column("n", "SMALLINT"));
        assertThatThrownBy(() -> verify(SORTED, compaction(3, smallint, narrow))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "column n is SMALLINT in the staged output but INTEGER in input file a.parquet, a type that does not "
                        + "convert exactly to SMALLINT and is not declared; nothing was swapped");
    }

    @Test
    void an_unreadable_staged_file_is_named() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        Files.writeString(dir.resolve("staged/year=2024/part-0.parquet"), "this is not parquet");

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessageStartingWith(WHERE + "staged file part-0.parquet cannot be read by DuckDB: ");
    }

    @Test
    void a_missing_staged_file_is_named_with_its_path() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        Path file = dir.resolve("staged/year=2024/part-0.parquet");
        Files.delete(file);

        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "staged file " + file.toAbsolutePath() + " is missing; run compact again");
    }

    @Test
    void an_input_removed_or_rewritten_after_compaction_is_named() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        PartitionCompaction c = compaction(3, CODE_N, out);

        Files.setLastModifiedTime(dir.resolve("live/year=2024/b.parquet"), FileTime.from(Instant.ofEpochSecond(300)));
        assertThatThrownBy(() -> verify(SORTED, c)).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "input file b.parquet changed after compaction read it (size or time differ); run compact again");

        Files.delete(dir.resolve("live/year=2024/b.parquet"));
        assertThatThrownBy(() -> verify(SORTED, c)).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "input file b.parquet is no longer in " + dir.resolve("live/year=2024")
                        + "; something removed it after compaction read it. Run compact again");
    }

    @Test
    void no_output_is_right_only_for_inputs_without_rows() throws Exception {
        threeRows();
        assertThatThrownBy(() -> verify(SORTED, compaction(3, CODE_N))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "compaction wrote no file but the inputs hold 3 rows");

        Files.delete(dir.resolve("live/year=2024/a.parquet"));
        Files.delete(dir.resolve("live/year=2024/b.parquet"));
        live("empty.parquet", "SELECT 'A' AS code, 1 AS n WHERE false", 100);
        Verification.VerifiedPartition v = verify(SORTED, compaction(0, CODE_N));
        assertThat(v.rows()).isZero();
        assertThat(v.checksum()).isEqualTo("0");
        assertThat(v.outputs()).isEmpty();
    }

    @Test
    void with_a_key_the_latest_row_of_each_key_is_expected_and_the_others_count_as_removed() throws Exception {
        keyedInputs();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 2), ('B', 3)) v(code, n)", 2);

        Verification.VerifiedPartition v = verify(KEYED, compaction(3, CODE_N, out));

        assertThat(v.rows()).isEqualTo(2);
        assertThat(v.duplicatesRemoved()).isEqualTo(1);
        assertThat(v.checksum()).isEqualTo(hashSum("('A', 2), ('B', 3)"));
    }

    @Test
    void with_a_key_an_older_row_kept_is_caught_by_the_checksum() throws Exception {
        keyedInputs();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 3)) v(code, n)", 2);

        assertThatThrownBy(() -> verify(KEYED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has the right number of rows (2) but their contents differ from the inputs (row checksum "
                        + hashSum("('A', 1), ('B', 3)") + " instead of " + hashSum("('A', 2), ('B', 3)") + "); nothing was swapped");
    }

    @Test
    void with_a_key_a_duplicate_key_in_the_output_is_named() throws Exception {
        keyedInputs();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('A', 2)) v(code, n)", 2);

        assertThatThrownBy(() -> verify(KEYED, compaction(3, CODE_N, out))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has 1 rows with a duplicate key (code); nothing was swapped");
    }

    @Test
    void the_expectation_recorded_by_a_read_once_compaction_is_what_verify_checks_against() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        PartitionCompaction c = compaction(3, CODE_N, out);
        String right = hashSum("('A', 1), ('B', 2), ('C', 3)");

        assertThat(verify(SORTED, withExpected(c, 3, right)).checksum()).isEqualTo(right);
        assertThatThrownBy(() -> verify(SORTED, withExpected(c, 3, "12345"))).isInstanceOf(LakeException.class)
                .hasMessage(WHERE + "the staged output has the right number of rows (3) but their contents differ from the inputs (row checksum "
                        + right + " instead of 12345); nothing was swapped");
    }

    // DuckDB's hash() gives -0.0 and 0.0 (and NaN and -NaN) the same hash, and an empty list the
    // same as a NULL list (and [NULL]): the row hash adds a float's sign and a nested value's text.
    @Test
    void a_negative_zero_written_as_zero_is_caught() throws Exception {
        live("a.parquet", "SELECT * FROM (VALUES ('A', -0.0::DOUBLE), ('B', 1.0::DOUBLE)) v(code, d)", 100);
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 0.0::DOUBLE), ('B', 1.0::DOUBLE)) v(code, d)", 2);
        List<Column> columns = List.of(new Column("code", "VARCHAR"), new Column("d", "DOUBLE"));

        assertThatThrownBy(() -> verify(SORTED, compaction(2, columns, out))).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");
    }

    @Test
    void an_empty_list_written_as_null_is_caught() throws Exception {
        live("a.parquet", "SELECT * FROM (VALUES ('A', []::INTEGER[]), ('B', [1])) v(code, l)", 100);
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', NULL::INTEGER[]), ('B', [1])) v(code, l)", 2);
        List<Column> columns = List.of(new Column("code", "VARCHAR"), new Column("l", "INTEGER[]"));

        assertThatThrownBy(() -> verify(SORTED, compaction(2, columns, out))).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");
    }

    @Test
    void a_struct_of_nulls_written_as_null_or_a_negative_zero_inside_a_list_is_caught_and_a_float_zero_keeps_its_sign() throws Exception {
        live("a.parquet", "SELECT * FROM (VALUES ('A', {'x': NULL::INTEGER}, [-0.0::DOUBLE], 1.5::FLOAT), ('B', {'x': 1}, [1.0], -0.0::FLOAT)) v(code, s, l, f)", 100);
        List<Column> columns = List.of(new Column("code", "VARCHAR"), new Column("s", "STRUCT(x INTEGER)"), new Column("l", "DOUBLE[]"),
                new Column("f", "FLOAT"));
        StagedFile nulled = staged("part-0.parquet",
                "SELECT * FROM (VALUES ('A', NULL::STRUCT(x INTEGER), [-0.0::DOUBLE], 1.5::FLOAT), ('B', {'x': 1}, [1.0], -0.0::FLOAT)) v(code, s, l, f)", 2);
        assertThatThrownBy(() -> verify(SORTED, compaction(2, columns, nulled))).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");

        StagedFile zeroed = staged("part-1.parquet",
                "SELECT * FROM (VALUES ('A', {'x': NULL::INTEGER}, [0.0::DOUBLE], 1.5::FLOAT), ('B', {'x': 1}, [1.0], -0.0::FLOAT)) v(code, s, l, f)", 2);
        assertThatThrownBy(() -> verify(SORTED, compaction(2, columns, zeroed))).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");

        StagedFile signless = staged("part-3.parquet",
                "SELECT * FROM (VALUES ('A', {'x': NULL::INTEGER}, [-0.0::DOUBLE], 1.5::FLOAT), ('B', {'x': 1}, [1.0], 0.0::FLOAT)) v(code, s, l, f)", 2);
        assertThatThrownBy(() -> verify(SORTED, compaction(2, columns, signless))).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");

        StagedFile same = staged("part-2.parquet",
                "SELECT * FROM (VALUES ('A', {'x': NULL::INTEGER}, [-0.0::DOUBLE], 1.5::FLOAT), ('B', {'x': 1}, [1.0], -0.0::FLOAT)) v(code, s, l, f)", 2);
        assertThat(verify(SORTED, compaction(2, columns, same)).rows()).isEqualTo(2);
    }

    @Test
    void an_expectation_recorded_by_an_older_duckdag_is_not_trusted_and_the_inputs_are_read_again() throws Exception {
        threeRows();
        StagedFile out = staged("part-0.parquet", "SELECT * FROM (VALUES ('A', 1), ('B', 2), ('C', 3)) v(code, n)", 3);
        PartitionCompaction c = compaction(3, CODE_N, out);
        PartitionCompaction old = new PartitionCompaction(c.partition(), c.values(), c.inputs(), c.outputs(), c.rowsIn(), c.rowsOut(),
                c.columns(), c.drift(), c.quarantined(), c.kept(), new PartitionCompaction.Expected(3, "12345", null));

        assertThat(verify(SORTED, old).checksum()).isEqualTo(hashSum("('A', 1), ('B', 2), ('C', 3)"));
    }

    /** A (1) in a.parquet written first, A (2) and B (3) in b.parquet written later. */
    void keyedInputs() throws Exception {
        live("a.parquet", "SELECT 'A' AS code, 1 AS n", 100);
        live("b.parquet", "SELECT * FROM (VALUES ('A', 2), ('B', 3)) v(code, n)", 200);
    }

    // ---- helpers ----

    void live(String name, String select, long mtimeSeconds) throws Exception {
        Path target = Files.createDirectories(dir.resolve("live/year=2024")).resolve(name);
        execute("COPY (" + select + ") TO " + Sql.literal(target) + " (FORMAT PARQUET)");
        Files.setLastModifiedTime(target, FileTime.from(Instant.ofEpochSecond(mtimeSeconds)));
    }

    StagedFile staged(String name, String select, long rows) throws Exception {
        Path target = Files.createDirectories(dir.resolve("staged/year=2024")).resolve(name);
        execute("COPY (" + select + ") TO " + Sql.literal(target) + " (FORMAT PARQUET)");
        return new StagedFile(name, Files.size(target), rows);
    }

    PartitionCompaction compaction(long rowsIn, List<Column> columns, StagedFile... outputs) {
        List<StagedFile> out = List.of(outputs);
        return new PartitionCompaction("year=2024", Map.of("year", "2024"), LakeScanner.files(dir.resolve("live/year=2024")), out,
                rowsIn, out.stream().mapToLong(StagedFile::rows).sum(), columns, List.of(), List.of(), List.of());
    }

    static PartitionCompaction withExpected(PartitionCompaction c, long rows, String checksum) {
        return new PartitionCompaction(c.partition(), c.values(), c.inputs(), c.outputs(), c.rowsIn(), c.rowsOut(), c.columns(), c.drift(),
                c.quarantined(), c.kept(), new PartitionCompaction.Expected(rows, checksum, TableSql.CHECKSUM_VERSION));
    }

    Verification.VerifiedPartition verify(TableSpec table, PartitionCompaction c) throws Exception {
        return new Verifier(connection).verify(table, c, dir.resolve("live"), dir.resolve("staged"));
    }

    /** The sum of DuckDB's hash of each row given (SQL VALUES rows), as the checksum's text. */
    String hashSum(String rows) throws Exception {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(hash(a, b)::HUGEINT) FROM (VALUES " + rows + ") v(a, b)")) {
            rs.next();
            return rs.getString(1);
        }
    }

}
