package io.duckdag.lake;

import io.duckdag.pipeline.DuckDbSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One read-only query against the metadata database, for users without the DuckDB CLI: the
 * file is attached READ_ONLY (so nothing in it can change) and the text must be a single
 * SELECT (DuckDB's own parser says so, through {@code json_serialize_sql}), so COPY, ATTACH,
 * INSTALL or a second statement are refused before anything runs. A query DuckDB refuses is an
 * {@link IllegalArgumentException}; a database that is missing or held, a {@link LakeException}.
 */
public final class MetadataQuery {
    /**
     * The column names, their JDBC types ({@link java.sql.Types}) and the rows, every value as
     * DuckDB's text for it (null for NULL).
     */
    public record Result(List<String> columns, List<Integer> types, List<List<String>> rows) {
    }

    private MetadataQuery() {
    }

    public static Result run(Path metadataDb, String sql, DuckDbSettings settings) throws SQLException, IOException {
        if (!Files.isRegularFile(metadataDb)) {
            throw new LakeException("the metadata database " + metadataDb + " does not exist yet; run the pipeline (its sync-metadata "
                    + "step creates it) or check settings.metadata_db");
        }
        try (Connection c = DuckDb.open(Optional.empty(), settings); Statement s = c.createStatement()) {
            try (ResultSet check = s.executeQuery("SELECT json_extract_string(json_serialize_sql(" + Sql.literal(sql) + "), '$.error_message')")) {
                check.next();
                String error = check.getString(1);
                if (error != null) {
                    throw new IllegalArgumentException("duckdag query runs one SELECT (or WITH ... SELECT) and nothing else; DuckDB says of this text: "
                            + error.strip() + " For anything else, open " + metadataDb + " with the DuckDB CLI");
                }
            }
            try {
                s.execute("ATTACH " + Sql.literal(metadataDb.toAbsolutePath()) + " AS metadata (READ_ONLY)");
            } catch (SQLException e) {
                String m = e.getMessage() == null ? "" : e.getMessage();
                if (m.contains("lock")) {
                    throw new LakeException(metadataDb + " is open for writing in another process (a duckdag run's sync-metadata, or a "
                            + "DuckDB client); try again when it has finished (DuckDB said: " + firstLine(m) + ")");
                }
                throw e;
            }
            s.execute("USE metadata");
            try (ResultSet rs = s.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                List<String> columns = new ArrayList<>();
                List<Integer> types = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    columns.add(rs.getMetaData().getColumnLabel(i));
                    types.add(rs.getMetaData().getColumnType(i));
                }
                List<List<String>> rows = new ArrayList<>();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(n);
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
                return new Result(columns, types, rows);
            } catch (SQLException e) {
                throw new IllegalArgumentException("DuckDB could not run the query: " + firstLine(e.getMessage()));
            }
        }
    }

    private static String firstLine(String m) {
        return m == null ? "no reason given" : m.strip().lines().findFirst().orElse("no reason given");
    }
}
