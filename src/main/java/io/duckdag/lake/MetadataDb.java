package io.duckdag.lake;

import io.duckdag.pipeline.DuckDbSettings;
import io.duckdag.pipeline.StorageVersion;
import io.duckdag.state.DurableFiles;
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
 * The metadata database, attached to an in-memory DuckDB instead of opened directly: only
 * {@code ATTACH ... (STORAGE_VERSION ...)} creates a file in an older storage version, and a
 * file DuckDB 2.0 creates by default opens in no DuckDB 1.x. The attached file is the
 * connection's current database, so the SQL of {@link Views} works on it unqualified.
 *
 * <p>A file that is in too new a version can be rebuilt: {@link #beginRebuild} attaches a new
 * file beside it under a hidden name, holding a copy of duckdag's views, and makes it current;
 * {@link #finishRebuild} renames it over the old file. The old file stays attached (and so
 * locked against other processes) until then.
 */
public final class MetadataDb implements AutoCloseable {
    private static final String ATTACHED = "metadata";
    private static final String REBUILT = "metadata_rebuilt";

    private static final String STORAGE_VERSION = "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()";

    /** Everything in the current database but duckdag's own views, one description per object. */
    private static final String OTHER_OBJECTS = String.join(" UNION ALL ",
            "SELECT 'table ' || " + qualified("table_name") + " FROM duckdb_tables() WHERE database_name = current_database()",
            "SELECT 'view ' || " + qualified("view_name") + " FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"
                    + " AND NOT (" + Views.IS_OURS + ")",
            "SELECT 'schema ' || schema_name FROM duckdb_schemas() WHERE database_name = current_database() AND NOT internal",
            "SELECT 'sequence ' || " + qualified("sequence_name") + " FROM duckdb_sequences() WHERE database_name = current_database()",
            "SELECT 'macro ' || " + qualified("function_name") + " FROM duckdb_functions() WHERE database_name = current_database() AND NOT internal",
            "SELECT 'type ' || " + qualified("type_name") + " FROM duckdb_types() WHERE database_name = current_database() AND NOT internal");

    private final Connection connection;
    private final Path file;
    private Optional<Path> rebuilt = Optional.empty();

    private MetadataDb(Connection connection, Path file) {
        this.connection = connection;
        this.file = file;
    }

    /**
     * Attaches {@code file}, creating it in {@code version} if it does not exist. An existing file
     * keeps the version it has: DuckDB refuses to lower it, and never raises it.
     *
     * @throws SQLException  as DuckDB reports it, e.g. when another process holds the file
     * @throws LakeException when DuckDB does not know {@code version}
     */
    public static MetadataDb attach(Path file, StorageVersion version, DuckDbSettings settings) throws SQLException, IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Connection c = DuckDb.open(Optional.empty(), settings);
        try (Statement s = c.createStatement()) {
            s.execute(attach(file, ATTACHED, Files.exists(file) ? Optional.empty() : Optional.of(version)));
            s.execute("USE " + Sql.identifier(ATTACHED));
        } catch (SQLException e) {
            LakeException unknown = unknownVersion(c, version, e);
            c.close();
            if (unknown != null) {
                throw unknown;
            }
            throw e;
        }
        return new MetadataDb(c, file);
    }

    public Connection connection() {
        return connection;
    }

    /** The oldest DuckDB release that opens the current database file, as DuckDB tags it; empty if it has no such tag. */
    public Optional<StorageVersion> storageVersion() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(STORAGE_VERSION)) {
            String tag = rs.next() ? rs.getString(1) : null;
            return tag == null ? Optional.empty() : StorageVersion.parse(tag.strip().replaceFirst("\\+$", ""));
        }
    }

    /** What the current database holds besides duckdag's views: {@code table prices}, {@code view mine}, {@code schema s}. */
    public List<String> otherObjects() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(OTHER_OBJECTS)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * Creates a new, hidden database file beside this one in {@code version}, copies duckdag's
     * views into it (with their comments) and makes it the current database. Left-overs of a
     * rebuild that was cut short are removed first.
     */
    public void beginRebuild(StorageVersion version) throws SQLException, IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".rebuilt");
        Files.deleteIfExists(tmp);
        Files.deleteIfExists(wal(tmp));
        try (Statement s = connection.createStatement()) {
            List<ViewDefinition> views = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(Views.OURS_WITH_DEFINITIONS)) {
                while (rs.next()) {
                    views.add(new ViewDefinition(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
            s.execute(attach(tmp, REBUILT, Optional.of(version)));
            rebuilt = Optional.of(tmp);
            s.execute("USE " + Sql.identifier(REBUILT));
            for (ViewDefinition v : views) {
                s.execute(v.createStatement());
                s.execute(Views.commentAs(v.name(), v.comment()));
            }
        }
    }

    /**
     * After {@link #beginRebuild}: writes the new file out whole (DETACH checkpoints it), then
     * renames it over the old file durably. The old file is checkpointed first so that no
     * write-ahead log of it is left beside the new file for DuckDB to replay into it.
     *
     * @return whether there was a rebuild to finish
     */
    public boolean finishRebuild() throws SQLException, IOException {
        if (rebuilt.isEmpty()) {
            return false;
        }
        Path tmp = rebuilt.get();
        try (Statement s = connection.createStatement()) {
            s.execute("USE " + Sql.identifier(ATTACHED));
            s.execute("DETACH " + Sql.identifier(REBUILT));
            s.execute("CHECKPOINT " + Sql.identifier(ATTACHED));
        }
        for (Path log : List.of(wal(tmp), wal(file))) {
            if (Files.exists(log)) {
                throw new LakeException(log + " is still there after a checkpoint; " + file + " was left as it was");
            }
        }
        DurableFiles.replace(tmp, file);
        rebuilt = Optional.empty();
        return true;
    }

    /** Detaches everything; a rebuild not finished leaves no file behind. */
    @Override
    public void close() throws SQLException, IOException {
        connection.close();
        if (rebuilt.isPresent()) {
            Files.deleteIfExists(rebuilt.get());
            Files.deleteIfExists(wal(rebuilt.get()));
        }
    }

    /** One of duckdag's views as DuckDB keeps it: the {@code CREATE VIEW} statement it was made with, and its comment. */
    private record ViewDefinition(String name, String createStatement, String comment) {
    }

    private static String attach(Path file, String alias, Optional<StorageVersion> version) {
        return "ATTACH " + Sql.literal(file.toAbsolutePath()) + " AS " + Sql.identifier(alias)
                + version.map(v -> " (STORAGE_VERSION " + Sql.literal(v.toString()) + ")").orElse("");
    }

    private static Path wal(Path database) {
        return database.resolveSibling(database.getFileName() + ".wal");
    }

    private static String qualified(String nameColumn) {
        return "CASE WHEN schema_name = 'main' THEN '' ELSE schema_name || '.' END || " + nameColumn;
    }

    /** DuckDB's own message lists every release it knows, a few hundred characters; this one says what to do. */
    private static LakeException unknownVersion(Connection c, StorageVersion version, SQLException e) {
        if (!String.valueOf(e.getMessage()).contains("is not a known DuckDB version")) {
            return null;
        }
        String running = "";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version()")) {
            running = rs.next() ? " (" + rs.getString(1) + ")" : "";
        } catch (SQLException ignored) {
            // the message below is still right without the number
        }
        return new LakeException("the DuckDB in duckdag" + running + " does not know the storage version " + version
                + " that settings.metadata_storage_version names; name a DuckDB release it knows, such as v1.0.0 or v1.4.0");
    }
}
