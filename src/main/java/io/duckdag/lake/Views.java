package io.duckdag.lake;

import java.nio.file.Path;

/** The SQL of the views sync-metadata keeps in the metadata database. */
public final class Views {
    /** The comment that marks a view as duckdag's, so that it never drops a view it did not create. */
    public static final String MARK = "created by duckdag";

    private Views() {
    }

    /** Reads every Parquet file of the table with its partition columns, columns matched by name. */
    public static String create(String table, Path tableRoot) {
        Path glob = tableRoot.toAbsolutePath().normalize().resolve("**").resolve("*.parquet");
        return "CREATE OR REPLACE VIEW " + Sql.identifier(table) + " AS SELECT * FROM read_parquet(" + Sql.literal(glob)
                + ", hive_partitioning = true, union_by_name = true)";
    }

    public static String comment(String table, String pipeline) {
        return "COMMENT ON VIEW " + Sql.identifier(table) + " IS " + Sql.literal(MARK + " (pipeline " + pipeline + ")");
    }

    public static String drop(String table) {
        return "DROP VIEW IF EXISTS " + Sql.identifier(table);
    }

    public static final String OURS = "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' AND comment LIKE "
            + Sql.literal(MARK + "%");
}
