package io.duckdag.lake;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The SQL of the views sync-metadata keeps in the metadata database (the connection's current database). */
public final class Views {
    /** The comment that marks a view as duckdag's, so that it never drops a view it did not create. */
    public static final String MARK = "created by duckdag";

    private Views() {
    }

    /**
     * Reads the table's Parquet files with their partition columns, columns matched by name,
     * each column of {@code casts} cast to its declared type (files that arrived since the last
     * compaction may still hold another type). {@code levels} are the folder levels between the
     * table folder and its files, from {@link #partitionLevels} or {@link #anyLevels}.
     */
    public static String create(String table, Path tableRoot, List<String> levels, Map<String, String> casts) {
        return "CREATE OR REPLACE VIEW " + Sql.identifier(table) + " AS " + select(tableRoot, levels, casts);
    }

    /** The columns the view would have; fails as the view would (a file DuckDB cannot read, a Hive mismatch). */
    public static String describe(Path tableRoot, List<String> levels) {
        return "SELECT column_name FROM (DESCRIBE " + select(tableRoot, levels, Map.of()) + ")";
    }

    private static String select(Path tableRoot, List<String> levels, Map<String, String> casts) {
        String replace = casts.isEmpty() ? "" : casts.entrySet().stream()
                .map(c -> "CAST(" + Sql.identifier(c.getKey()) + " AS " + c.getValue() + ") AS " + Sql.identifier(c.getKey()))
                .collect(Collectors.joining(", ", " REPLACE (", ")"));
        Path glob = tableRoot.toAbsolutePath().normalize();
        for (String level : levels) {
            glob = glob.resolve(level);
        }
        // Like compaction, never a file whose name starts with '.' or '_': a downloader's file being
        // written under a hidden name must not be read half-written.
        glob = glob.resolve("[!._]*.parquet");
        return "SELECT *" + replace + " FROM read_parquet(" + Sql.literal(glob) + ", hive_partitioning = true, union_by_name = true)";
    }

    /**
     * A declared table's folder levels: one {@code col=?*} per partition column, as compaction sees
     * them (a file elsewhere, say in the table's root, would make every query fail with "Hive
     * partition mismatch"; "year=" with no value is no partition).
     */
    public static List<String> partitionLevels(List<String> partitionBy) {
        return partitionBy.stream().map(c -> c.matches(".*[*?\\[\\]{}].*") ? "*=?*" : c + "=?*").toList();
    }

    /** {@code depth} levels of folders whose names do not start with '.' or '_' (not Spark's _temporary/, say). */
    public static List<String> anyLevels(int depth) {
        return java.util.Collections.nCopies(depth, "[!._]*");
    }

    public static String comment(String table, String pipeline) {
        return commentAs(table, MARK + " (pipeline " + pipeline + ")");
    }

    /** Sets a view's comment to {@code text}, as written. */
    static String commentAs(String table, String text) {
        return "COMMENT ON VIEW " + Sql.identifier(table) + " IS " + Sql.literal(text);
    }

    public static String drop(String table) {
        return "DROP VIEW IF EXISTS " + Sql.identifier(table);
    }

    /**
     * Whether a row of {@code duckdb_views()} is one of duckdag's views in the current database;
     * never NULL (a view without a comment is not ours), so that {@code NOT} of it holds for the others.
     */
    static final String IS_OURS = "database_name = current_database() AND NOT internal AND schema_name = 'main' AND coalesce(comment, '') LIKE "
            + Sql.literal(MARK + "%");

    public static final String OURS = "SELECT view_name FROM duckdb_views() WHERE " + IS_OURS;

    /** Name, {@code CREATE VIEW} statement and comment of each of duckdag's views. */
    static final String OURS_WITH_DEFINITIONS = "SELECT view_name, sql, comment FROM duckdb_views() WHERE " + IS_OURS + " ORDER BY view_name";

    public static String rowCount(String table) {
        return "SELECT count(*) FROM " + Sql.identifier(table);
    }
}
