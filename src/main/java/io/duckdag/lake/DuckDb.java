package io.duckdag.lake;

import io.duckdag.pipeline.DuckDbSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/** Opens DuckDB connections with the pipeline's memory limit, threads and spill folder. */
public final class DuckDb {
    private DuckDb() {
    }

    /**
     * An in-memory connection for the lake steps, whose casts must not depend on the machine:
     * TIMESTAMP WITH TIME ZONE declared as TIMESTAMP would otherwise move with the host's zone.
     */
    public static Connection openForLake(DuckDbSettings settings) throws SQLException, IOException {
        Connection connection = open(Optional.empty(), settings);
        try (Statement s = connection.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            // DuckDB tracks a statement's progress only with its progress bar on; it prints nothing here.
            s.execute("SET enable_progress_bar = true");
            s.execute("SET enable_progress_bar_print = false");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /** A connection to {@code database}, or to an in-memory database when empty. */
    public static Connection open(Optional<Path> database, DuckDbSettings settings) throws SQLException, IOException {
        if (database.isPresent() && database.get().toAbsolutePath().getParent() != null) {
            Files.createDirectories(database.get().toAbsolutePath().getParent());
        }
        DuckDbLibrary.prepare();
        Connection connection = SqlTrace.wrap(DriverManager.getConnection("jdbc:duckdb:" + database.map(Path::toString).orElse("")));
        try (Statement s = connection.createStatement()) {
            s.execute("SET memory_limit = " + Sql.literal(settings.memoryLimit()));
            s.execute("SET threads = " + settings.threads());
            s.execute("SET temp_directory = " + Sql.literal(settings.tempDirectory()));
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }
}
