package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.lake.Sql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A table's rows as its view reads them (every Parquet file below its folder, with Hive
 * partitioning and union by name), copied before a run into a DuckDB file of their own, to
 * compare the view in metadata.db with afterwards: same columns and types, and the same
 * rows, value by value, with each value's text and type.
 */
final class LakeSnapshot {
    private final LakeFixture lake;
    private final String table;
    private final Path db;

    private LakeSnapshot(LakeFixture lake, String table, Path db) {
        this.lake = lake;
        this.table = table;
        this.db = db;
    }

    static LakeSnapshot take(LakeFixture lake, String table) throws SQLException {
        Path db = lake.dir.resolve("before-" + table + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE rows AS SELECT * FROM read_parquet(" + Sql.literal(lake.lake.resolve(table) + "/**/*.parquet")
                    + ", hive_partitioning = true, union_by_name = true)");
        }
        return new LakeSnapshot(lake, table, db);
    }

    /** Removes the rows a run is expected to drop (a key's older duplicates); returns how many. */
    long drop(String where) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            return s.executeUpdate("DELETE FROM rows WHERE " + where);
        }
    }

    /** Asserts that the view of the table in metadata.db holds exactly the rows of the snapshot. */
    void assertViewHoldsExactlyTheseRows() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + lake.dir.resolve("metadata.db"));
             Statement s = c.createStatement()) {
            s.execute("ATTACH " + Sql.literal(db.toString()) + " AS before (READ_ONLY)");
            Map<String, String> before = types(s, "SELECT column_name, data_type FROM duckdb_columns() "
                    + "WHERE database_name = 'before' AND table_name = 'rows'");
            Map<String, String> after = types(s, "SELECT column_name, column_type FROM (DESCRIBE main." + Sql.identifier(table) + ")");
            assertThat(after).as("columns and types of view %s", table).isEqualTo(before);
            assertThat(before).isNotEmpty();

            // Each column three ways: its value (EXCEPT ALL compares with DuckDB's equality),
            // its text (which tells -0.0 from 0.0 and shows every digit) and its type.
            String values = before.keySet().stream().map(Sql::identifier)
                    .map(id -> id + ", CAST(" + id + " AS VARCHAR), typeof(" + id + ")").collect(Collectors.joining(", "));
            String was = "SELECT " + values + " FROM before.rows";
            String is = "SELECT " + values + " FROM main." + Sql.identifier(table);
            assertThat(count(s, "SELECT count(*) FROM (" + was + " EXCEPT ALL " + is + ")"))
                    .as("rows of %s before the run that its view lacks", table).isZero();
            assertThat(count(s, "SELECT count(*) FROM (" + is + " EXCEPT ALL " + was + ")"))
                    .as("rows of view %s that were not there before the run", table).isZero();
            assertThat(count(s, "SELECT count(*) FROM main." + Sql.identifier(table)))
                    .isEqualTo(count(s, "SELECT count(*) FROM before.rows"));
        }
    }

    /**
     * Asserts that every Parquet file of the table is one compaction wrote ({@code part-*}), and
     * that its rows, read in file order, are in {@code sortBy} order (ascending, NULLs last).
     * Returns the files, relative to the table folder.
     */
    List<String> assertEveryFileSortedBy(List<String> sortBy) throws SQLException, IOException {
        Path root = lake.lake.resolve(table);
        List<Path> files;
        try (Stream<Path> all = Files.walk(root)) {
            files = all.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_");
            }).sorted().toList();
        }
        assertThat(files).as("Parquet files of %s", table).isNotEmpty()
                .allSatisfy(p -> assertThat(p.getFileName().toString()).startsWith("part-"));
        StringBuilder key = new StringBuilder("struct_pack(");
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < sortBy.size(); i++) {
            key.append(i > 0 ? ", " : "").append("k").append(i).append(" := ").append(Sql.identifier(sortBy.get(i)));
            order.append(i > 0 ? ", " : "").append(Sql.identifier(sortBy.get(i))).append(" ASC NULLS LAST");
        }
        key.append(")");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (Path p : files) {
                String read = "read_parquet(" + Sql.literal(p.toString()) + ", file_row_number = true, hive_partitioning = false)";
                // The n-th row of the file must equal the n-th row of the file sorted.
                String sql = "WITH asWritten AS (SELECT " + key + " AS k, row_number() OVER (ORDER BY file_row_number) AS n FROM " + read + "), "
                        + "asSorted AS (SELECT " + key + " AS k, row_number() OVER (ORDER BY " + order + ") AS n FROM " + read + ") "
                        + "SELECT count(*) FROM asWritten JOIN asSorted USING (n) WHERE asWritten.k IS DISTINCT FROM asSorted.k";
                assertThat(count(s, sql)).as("rows of %s out of %s order", p, sortBy).isZero();
            }
        }
        return files.stream().map(p -> root.relativize(p).toString()).toList();
    }

    private static Map<String, String> types(Statement s, String sql) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
