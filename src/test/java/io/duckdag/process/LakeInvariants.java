package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.state.PipelineLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What must hold after any fault and the resume that follows (SPEC, Guarantees 1), checked the
 * same way by every crash test: the live lake holds every expected row exactly once (count and an
 * order-independent checksum), every live Parquet file reads whole and is sorted by sort_by, every
 * view of the metadata database answers, and no staging folder, journal entry or lock is left.
 *
 * <p>The expected rows are computed before any fault, from the files that were downloaded: with a
 * key, the latest row per partition and key (by file mtime, file name, row in the file), as
 * compaction keeps it; without one, every row.
 */
public final class LakeInvariants {
    /** A table of the pipeline, as its YAML declares it. */
    public record Table(String name, List<String> partitionBy, List<String> sortBy, List<String> key) {
        public Table {
            partitionBy = List.copyOf(partitionBy);
            sortBy = List.copyOf(sortBy);
            key = List.copyOf(key);
        }
    }

    /** The tables of the crash pipelines (fixtures crash.yaml and crash-daily-basic-quarantine.yaml). */
    public static final Table INCOME = new Table("income", List.of("year"), List.of("ts_code", "end_date"),
            List.of("ts_code", "end_date", "report_type"));
    public static final Table DAILY_BASIC = new Table("daily_basic", List.of("year"), List.of("ts_code", "trade_date"), List.of());

    /** A pipeline's folders: the live lake, its staging and state folders, and the metadata database. */
    public record Folders(Path lake, Path staging, Path state, Path metadataDb) {
        /** The default settings, relative to the folder the jar ran in. */
        static Folders defaults(Path cwd, String pipeline) {
            return new Folders(cwd.resolve("data/parquet"), cwd.resolve("data/staging").resolve(pipeline),
                    cwd.resolve("state").resolve(pipeline), cwd.resolve("data/metadata.db"));
        }
    }

    /** A row count and the sum of the rows' hashes, which no order changes and a lost or doubled row does. */
    public record Rows(long count, String checksum) {
        @Override
        public String toString() {
            return count + " rows, checksum " + checksum;
        }
    }

    /** Per table, the rows its live lake must hold once the files now in {@code lake} are compacted. */
    public static Map<String, Rows> expect(Path lake, List<Table> tables) throws Exception {
        Map<String, Rows> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (Table t : tables) {
                List<Path> files = parquetFiles(lake.resolve(t.name()));
                StringBuilder mtimes = new StringBuilder("SELECT * FROM (VALUES ");
                for (int i = 0; i < files.size(); i++) {
                    long nanos = Files.readAttributes(files.get(i), BasicFileAttributes.class).lastModifiedTime().to(TimeUnit.NANOSECONDS);
                    mtimes.append(i == 0 ? "" : ", ").append("(").append(literal(files.get(i).toString())).append(", ").append(nanos).append(")");
                }
                s.execute("CREATE OR REPLACE TEMP TABLE mtimes AS " + mtimes + ") v(filename, mtime)");
                String read = "SELECT r.*, m.mtime FROM " + read(files, true) + " r JOIN mtimes m USING (filename)";
                List<String> columns = columns(s, read(files, false));
                String rows = t.key().isEmpty() ? read
                        : read + " QUALIFY row_number() OVER (PARTITION BY " + list(t.partitionBy()) + ", " + list(t.key())
                                + " ORDER BY m.mtime DESC, filename DESC, file_row_number DESC) = 1";
                out.put(t.name(), rows(s, "(" + rows + ")", columns));
            }
        }
        return out;
    }

    /** The rows of {@code table}'s live files, read as the views read them. */
    public static Rows live(Path lake, Table table) throws Exception {
        List<Path> files = parquetFiles(lake.resolve(table.name()));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            return rows(s, read(files, false), columns(s, read(files, false)));
        }
    }

    /**
     * Asserts every invariant after a resume that finished: {@code expected} rows live, once each;
     * every live file readable and sorted; every view answering; nothing of a run left behind.
     */
    public static void check(Folders folders, List<Table> tables, Map<String, Rows> expected) throws Exception {
        for (Table t : tables) {
            assertThat(live(folders.lake(), t)).as("the live rows of " + t.name()).isEqualTo(expected.get(t.name()));
            assertSorted(folders.lake(), t);
        }
        Map<String, Long> views = viewCounts(folders.metadataDb());
        for (Table t : tables) {
            assertThat(views).as("the views of " + folders.metadataDb()).containsEntry(t.name(), expected.get(t.name()).count());
        }
        assertNothingLeft(folders);
    }

    /** Every live Parquet file of {@code table} reads whole, and its rows are in sort_by order. */
    public static void assertSorted(Path lake, Table table) throws Exception {
        String key = "(" + list(table.sortBy()) + ")";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (Path f : parquetFiles(lake.resolve(table.name()))) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE k < previous), count(*) FROM (SELECT " + key
                        + " AS k, lag(" + key + ") OVER (ORDER BY file_row_number) AS previous FROM read_parquet(" + literal(f.toString())
                        + ", file_row_number = true))")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("rows out of " + table.sortBy() + " order in " + f + " (of " + rs.getLong(2) + ")").isZero();
                }
            }
        }
    }

    /** Per view of the metadata database, its count(*): each one must answer. */
    public static Map<String, Long> viewCounts(Path metadataDb) throws SQLException {
        Properties readOnly = new Properties();
        readOnly.setProperty("duckdb.read_only", "true");
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + metadataDb, readOnly); Statement s = c.createStatement()) {
            List<String> views = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal "
                    + "AND database_name = current_database() ORDER BY ALL")) {
                while (rs.next()) {
                    views.add(identifier(rs.getString(1)) + "." + identifier(rs.getString(2)));
                }
            }
            for (String view : views) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + view)) {
                    rs.next();
                    out.put(view.substring(view.indexOf("\".\"") + 3, view.length() - 1), rs.getLong(1));
                }
            }
        }
        assertThat(out).as("views in " + metadataDb).isNotEmpty();
        return out;
    }

    /** No staging folder of a run, no journal entry (nor its temporary file) and no held lock is left. */
    public static void assertNothingLeft(Folders folders) throws IOException {
        assertThat(entries(folders.staging())).as("staging folders left in " + folders.staging()).isEmpty();
        assertThat(entries(folders.state().resolve("journal"))).as("journal entries left").isEmpty();
        assertThat(folders.state().resolve("lock.holder")).as("a lock's holder left").doesNotExist();
        assertThat(PipelineLock.liveHolder(folders.state())).as("a live holder of the lock").isEmpty();
    }

    private static List<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> all = Files.list(dir)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<Path> parquetFiles(Path tableRoot) throws IOException {
        try (Stream<Path> all = Files.walk(tableRoot)) {
            return all.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".parquet")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    private static String read(List<Path> files, boolean withRowIds) {
        assertThat(files).as("live Parquet files").isNotEmpty();
        return "read_parquet([" + files.stream().map(f -> literal(f.toString())).collect(Collectors.joining(", "))
                + "], hive_partitioning = true, union_by_name = true" + (withRowIds ? ", filename = true, file_row_number = true" : "") + ")";
    }

    /** The table's columns, by name: a file's column order does not change its rows. */
    private static List<String> columns(Statement s, String source) throws SQLException {
        TreeSet<String> names = new TreeSet<>();
        try (ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + source)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return List.copyOf(names);
    }

    private static Rows rows(Statement s, String source, List<String> columns) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(hash(" + list(columns) + ")::HUGEINT), 0) FROM " + source)) {
            rs.next();
            return new Rows(rs.getLong(1), rs.getString(2));
        }
    }

    private static String list(List<String> names) {
        return names.stream().map(LakeInvariants::identifier).collect(Collectors.joining(", "));
    }

    private static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private LakeInvariants() {
    }
}
