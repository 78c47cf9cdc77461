package io.duckdag.lake;

import java.nio.file.Path;
import java.util.Optional;

/** The SQL of the views sync-metadata keeps in the metadata database (the connection's current database). */
public final class Views {
    /** The comment that marks a view as duckdag's, so that it never drops a view it did not create. */
    public static final String MARK = "created by duckdag";

    private Views() {
    }

    /** Reads every Parquet file of the table with its partition columns, columns matched by name. */
    public static String create(String table, Path tableRoot) {
        return create(table, tableRoot, Optional.empty(), java.util.Map.of());
    }

    /**
     * As {@link #create(String, Path)}, with each column of {@code casts} cast to its declared
     * type: files that arrived since the last compaction may still hold another type, and the
     * view should read as the table's declared types, not as DuckDB widens them.
     */
    public static String create(String table, Path tableRoot, Optional<java.util.List<String>> partitionBy, java.util.Map<String, String> casts) {
        String replace = casts.isEmpty() ? "" : casts.entrySet().stream()
                .map(c -> "CAST(" + Sql.identifier(c.getKey()) + " AS " + c.getValue() + ") AS " + Sql.identifier(c.getKey()))
                .collect(java.util.stream.Collectors.joining(", ", " REPLACE (", ")"));
        return "CREATE OR REPLACE VIEW " + Sql.identifier(table) + " AS SELECT *" + replace + " FROM " + files(tableRoot, partitionBy.isPresent(), partitionBy.orElse(java.util.List.of()));
    }

    /** The columns the view of the table would have, to learn which declared columns are there to cast. */
    public static String describe(Path tableRoot, Optional<java.util.List<String>> partitionBy) {
        return "SELECT column_name FROM (DESCRIBE SELECT * FROM " + files(tableRoot, partitionBy.isPresent(),
                partitionBy.orElse(java.util.List.of())) + ")";
    }

    /**
     * The files a view reads: like compaction, never a file whose name starts with '.' or '_' (a
     * downloader's file being written under a hidden name must not be read half-written), and for
     * a declared table only its partition folders (or, unpartitioned, its folder itself), as
     * compaction sees them (a stray file in the table's root would make every query fail with
     * "Hive partition mismatch"). A table no pipeline declares: every such file below its folder.
     */
    private static String files(Path tableRoot, boolean declared, java.util.List<String> partitionBy) {
        Path glob = tableRoot.toAbsolutePath().normalize();
        if (partitionBy.isEmpty() && !declared) {
            glob = glob.resolve("**");
        }
        for (String column : partitionBy) {
            // "?*": a folder "year=" with no value is no partition for compaction either.
            glob = glob.resolve(column.matches(".*[*?\\[\\]{}].*") ? "*=?*" : column + "=?*");
        }
        glob = glob.resolve("[!._]*.parquet");
        return "read_parquet(" + Sql.literal(glob) + ", hive_partitioning = true, union_by_name = true)";
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
