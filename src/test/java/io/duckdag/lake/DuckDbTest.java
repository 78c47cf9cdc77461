package io.duckdag.lake;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test of lake/ with an in-memory DuckDB and a temporary folder for its Parquet files. */
abstract class DuckDbTest {
    @TempDir
    Path dir;
    Connection connection;

    @BeforeEach
    void open() throws Exception {
        DuckDbLibrary.prepare();
        connection = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
    }

    void execute(String sql) throws Exception {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }
}
