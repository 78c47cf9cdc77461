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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Compactor and the Verifier on small hand-made Parquet files with known answers, in both
 * ways compaction reads a partition: once into memory (its expectation for verify computed from
 * that read), or streamed (verify then reads the inputs itself). Both must write the same rows
 * in the same order, and verify must catch the same damage either way.
 */
class CompactorTest extends DuckDbTest {
    static final long READ_ONCE = Long.MAX_VALUE;
    static final long STREAM = 0;

    static TableSpec table(List<String> sortBy, List<String> key) {
        return new TableSpec("t", List.of("year"), sortBy, key, Map.of(), TableSpec.OnUnreadable.FAIL, null);
    }

    @ParameterizedTest(name = "read once: {0}")
    @ValueSource(booleans = {true, false})
    void ties_keep_the_order_of_file_name_then_row_and_verify_agrees(boolean once) throws Exception {
        write("year=2024/b.parquet", "SELECT * FROM (VALUES ('A', 'b1'), ('B', 'b2'), ('A', 'b3')) v(code, v)", 100);
        write("year=2024/a.parquet", "SELECT * FROM (VALUES ('B', 'a1'), ('A', 'a2')) v(code, v)", 200);
        write("year=2024/c.parquet", "SELECT * FROM (VALUES ('A', 'c1')) v(code, v)", 50);

        PartitionCompaction c = compact(table(List.of("code"), List.of()), once ? READ_ONCE : STREAM);

        assertThat(rows(c)).containsExactly("A|a2", "A|b1", "A|b3", "A|c1", "B|a1", "B|b2");
        assertThat(c.rowsIn()).isEqualTo(6);
        assertThat(c.expected() != null).isEqualTo(once);
        Verification.VerifiedPartition v = verify(table(List.of("code"), List.of()), c);
        assertThat(v.rows()).isEqualTo(6);
        if (once) {
            // The expectation compaction recorded is what verify computes from the inputs itself.
            PartitionCompaction streamed = withoutExpectation(c);
            assertThat(verify(table(List.of("code"), List.of()), streamed).checksum()).isEqualTo(c.expected().checksum());
        }
    }

    @ParameterizedTest(name = "read once: {0}")
    @ValueSource(booleans = {true, false})
    void with_a_key_the_latest_file_wins_and_on_equal_times_the_later_name(boolean once) throws Exception {
        write("year=2024/a.parquet", "SELECT * FROM (VALUES ('A', 'old'), ('B', 'a'), ('C', 'a')) v(code, v)", 100);
        write("year=2024/b.parquet", "SELECT * FROM (VALUES ('A', 'new'), ('C', 'b')) v(code, v)", 200);
        write("year=2024/c.parquet", "SELECT * FROM (VALUES ('C', 'c'), ('C', 'c-later-row')) v(code, v)", 200);

        TableSpec keyed = table(List.of("code"), List.of("code"));
        PartitionCompaction c = compact(keyed, once ? READ_ONCE : STREAM);

        assertThat(rows(c)).containsExactly("A|new", "B|a", "C|c-later-row");
        assertThat(verify(keyed, c).duplicatesRemoved()).isEqualTo(4);
    }

    @ParameterizedTest(name = "read once: {0}")
    @ValueSource(booleans = {true, false})
    void a_partition_column_inside_some_files_is_checked_only_where_it_is(boolean once) throws Exception {
        write("year=2024/a.parquet", "SELECT 'A' AS code, 2024 AS year", 100);
        write("year=2024/b.parquet", "SELECT 'B' AS code", 100);
        TableSpec t = table(List.of("code"), List.of());
        assertThat(rows(compact(t, once ? READ_ONCE : STREAM))).containsExactly("A", "B");

        write("year=2024/c.parquet", "SELECT 'C' AS code, 1999 AS year", 100);
        assertThatThrownBy(() -> compact(t, once ? READ_ONCE : STREAM)).isInstanceOf(LakeException.class)
                .hasMessageStartingWith("partition year=2024 of t: file c.parquet holds year = 1999 inside (1 rows of its partition's files differ)");
    }

    @ParameterizedTest(name = "read once: {0}")
    @ValueSource(booleans = {true, false})
    void verify_catches_a_changed_value_and_names_the_unsorted_file(boolean once) throws Exception {
        write("year=2024/a.parquet", "SELECT chr(65 + (i % 26)::INTEGER) || i AS code, i FROM range(2000) r(i)", 100);
        TableSpec t = table(List.of("code"), List.of());
        // A target size far below the input's gives several output files, cut from one sort.
        PartitionCompaction c = compact(t, once ? READ_ONCE : STREAM, 1000);
        assertThat(c.outputs()).hasSizeGreaterThan(1);
        verify(t, c);

        Path staged = dir.resolve("staged/year=2024").resolve(c.outputs().get(1).name());
        byte[] good = Files.readAllBytes(staged);
        rewrite(staged, "SELECT code, i + 1 AS i FROM read_parquet('" + staged + "', hive_partitioning = false) ORDER BY code");
        assertThatThrownBy(() -> verify(t, c)).isInstanceOf(LakeException.class)
                .hasMessageContaining("their contents differ from the inputs");

        Files.write(staged, good);
        rewrite(staged, "SELECT * FROM read_parquet('" + staged + "', hive_partitioning = false) ORDER BY code DESC");
        assertThatThrownBy(() -> verify(t, c)).isInstanceOf(LakeException.class)
                .hasMessageContaining("staged file " + c.outputs().get(1).name() + " is not sorted by code");
    }

    /**
     * Names DuckDB or duckdag give their own columns while reading: a column of the files by such a
     * name would take their place (a real file_index hides the file's number), so that the user's
     * values would decide which row of a key is kept. Refused in both ways of reading, before
     * anything is written, and the partition is left as it was.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"file_index", "File_Index", "file_row_number", "__duckdag_recency", "__duckdag_bad_partition_value", "__duckdag_x"})
    void a_column_named_like_duckdbs_or_duckdags_own_is_refused(String name) throws Exception {
        write("year=2024/a.parquet", "SELECT 'K' AS code, 'old' AS v, 1 AS \"" + name + "\"", 100);
        write("year=2024/b.parquet", "SELECT 'K' AS code, 'new' AS v, 0 AS \"" + name + "\"", 200);
        TableSpec keyed = table(List.of("code"), List.of("code"));
        for (long budget : new long[] {READ_ONCE, STREAM}) {
            assertThatThrownBy(() -> compact(keyed, budget)).isInstanceOf(LakeException.class).hasMessage("partition year=2024 of t: "
                    + "the files have a column named " + name + ", a name DuckDB itself gives the row or file number while reading "
                    + "(file_row_number, file_index), or that duckdag uses for its own (names starting __duckdag_); rename that column "
                    + "in the files; nothing was written");
            assertThat(dir.resolve("staged/year=2024")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
        }
    }

    @Test
    void a_failed_read_once_compaction_leaves_no_loaded_table_behind() throws Exception {
        write("year=2024/a.parquet", "SELECT 'A' AS code, 1999 AS year", 100);
        assertThatThrownBy(() -> compact(table(List.of("code"), List.of()), READ_ONCE)).isInstanceOf(LakeException.class)
                .hasMessageContaining("holds year = 1999 inside");
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE table_name = '" + TableSql.LOADED + "'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    // ---- helpers ----

    void write(String relative, String select, long mtimeSeconds) throws Exception {
        Path target = dir.resolve("live").resolve(relative);
        Files.createDirectories(target.getParent());
        execute("COPY (" + select + ") TO '" + target + "' (FORMAT PARQUET)");
        Files.setLastModifiedTime(target, FileTime.from(Instant.ofEpochSecond(mtimeSeconds)));
    }

    void rewrite(Path file, String select) throws Exception {
        Path tmp = file.resolveSibling("rewritten.tmp");
        execute("COPY (" + select + ") TO '" + tmp + "' (FORMAT PARQUET)");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    PartitionCompaction compact(TableSpec table, long readOnceBytes) throws Exception {
        return compact(table, readOnceBytes, 1L << 30);
    }

    PartitionCompaction compact(TableSpec table, long readOnceBytes, long targetFileBytes) throws Exception {
        Partition p = Partition.of(Map.of("year", "2024"));
        Path liveDir = p.dirIn(dir.resolve("live"));
        Path out = p.dirIn(dir.resolve("staged"));
        Housekeeping.delete(dir.resolve("staged"));
        return new Compactor(connection, readOnceBytes).compact(table, p, liveDir, LakeScanner.files(liveDir), out, "part", targetFileBytes, 100);
    }

    Verification.VerifiedPartition verify(TableSpec table, PartitionCompaction c) throws Exception {
        return new Verifier(connection).verify(table, c, dir.resolve("live"), dir.resolve("staged"));
    }

    static PartitionCompaction withoutExpectation(PartitionCompaction c) {
        return new PartitionCompaction(c.partition(), c.values(), c.inputs(), c.outputs(), c.rowsIn(), c.rowsOut(), c.columns(), c.drift(),
                c.quarantined(), c.kept(), null);
    }

    List<String> rows(PartitionCompaction c) throws Exception {
        List<String> files = c.outputs().stream().map(f -> "'" + dir.resolve("staged/year=2024").resolve(f.name()) + "'").toList();
        List<String> out = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM read_parquet([" + String.join(", ", files) + "], hive_partitioning = false)")) {
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
