package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.TestPipelines;
import io.duckdag.engine.RunOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * metadata.db is written in a storage version that DuckDB 1.x opens, checked by opening it with
 * an older DuckDB JDBC driver in a child process, as a user's client would.
 */
class MetadataStorageVersionTest {
    static final String SYNC = TestPipelines.text("lake-fixture/sync-t-and-u");
    static final String TAG = "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()";

    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void paths() {
        db = dir.resolve("metadata.db");
    }

    @Test
    void by_default_metadata_db_has_storage_version_64_and_duckdb_1_0_reads_the_views() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(SYNC);
        f.write("t/year=2023/a.parquet", "SELECT 'a' AS code, 1.5::DECIMAL(9, 2) AS v, DATE '2023-12-31' AS d", 1000);
        f.write("t/year=2024/b.parquet", "SELECT 'b' AS code, 2.5::DECIMAL(9, 2) AS v, DATE '2024-01-01' AS d", 1000);

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(r.record().step("sync").orElseThrow().metrics()).as("created in v1.0.0, not rebuilt").doesNotContainKey("rebuilt_in");
        assertThat(storageVersionInHeader(db)).isEqualTo(64);
        OldDuckDb.Answer old = OldDuckDb.query(db, "SELECT version()", "SELECT year, code, v, d FROM t ORDER BY ALL",
                "SELECT comment FROM duckdb_views() WHERE view_name = 't'");
        assertThat(old.exitCode()).as(old.error()).isZero();
        assertThat(old.rows().get(0)).startsWith("v1.");
        assertThat(old.rows().subList(1, old.rows().size()))
                .containsExactly("2023|a|1.50|2023-12-31", "2024|b|2.50|2024-01-01", "created by duckdag (pipeline p)");
    }

    @Test
    void a_newer_file_holding_only_duckdags_views_is_rebuilt_in_the_configured_version() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(SYNC).metadataStorageVersion("v2.0.0");
        f.write("t/year=2024/a.parquet", "SELECT 'a' AS code", 1000);
        f.write("u/b.parquet", "SELECT 'b' AS code", 1000);
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows(Optional.of(db), TAG)).containsExactly("v2.0.0+");
        OldDuckDb.Answer refused = OldDuckDb.query(db, "SELECT 1");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.error()).contains("Trying to read a database file with version number");

        // As an earlier duckdag left it; and a sync of t only must keep the view of u.
        f.pipeline(TestPipelines.text("lake-fixture/sync-t-of-t-and-u"));
        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(r.record().step("sync").orElseThrow().metrics()).containsEntry("rebuilt_in", "v1.0.0");
        assertThat(log(f)).contains(db + " is in DuckDB storage version v2.0.0, which DuckDB releases before v2.0.0 (every DuckDB 1.x)"
                + " cannot open; it holds only duckdag's views, so they are written to a new file in storage version v1.0.0"
                + " (settings.metadata_storage_version) that replaces it\n", db + " now holds the views in storage version v1.0.0\n");
        assertThat(storageVersionInHeader(db)).isEqualTo(64);
        assertThat(namesIn(dir)).contains("metadata.db").noneMatch(n -> n.startsWith(".metadata.db") || n.endsWith(".wal"));
        OldDuckDb.Answer old = OldDuckDb.query(db, "SELECT year, code FROM t", "SELECT code FROM u",
                "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1");
        assertThat(old.exitCode()).as(old.error()).isZero();
        assertThat(old.rows()).containsExactly("2024|a", "b", "t|created by duckdag (pipeline p)", "u|created by duckdag (pipeline p)");

        RunOutcome again = f.run();
        assertThat(again.record().step("sync").orElseThrow().metrics()).doesNotContainKey("rebuilt_in");
        assertThat(log(f)).doesNotContain("storage version");
    }

    @Test
    void a_newer_file_holding_a_users_table_is_left_in_its_version_with_a_warning() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(SYNC);
        f.write("t/year=2024/a.parquet", "SELECT 'a' AS code", 1000);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes AS SELECT 'keep me' AS note");
            s.execute("CREATE VIEW mine AS SELECT 42 AS answer");
        }

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(log(f)).contains("warning: " + db + " is in DuckDB storage version v2.0.0, which DuckDB releases before v2.0.0"
                + " (every DuckDB 1.x) cannot open. It also holds table notes, view mine, which duckdag did not create, so it is left in v2.0.0"
                + " and its views are updated there. To let older clients open it, copy those objects to another database and delete "
                + db + " (the next sync-metadata creates it in v1.0.0), or set settings.metadata_storage_version to v2.0.0"
                + " if every client is that new\n");
        assertThat(r.record().step("sync").orElseThrow().metrics()).doesNotContainKey("rebuilt_in");
        assertThat(f.rows(Optional.of(db), TAG)).containsExactly("v2.0.0+");
        assertThat(f.rows(Optional.of(db), "SELECT note FROM notes")).containsExactly("keep me");
        assertThat(f.rows(Optional.of(db), "SELECT answer FROM mine")).containsExactly("42");
        assertThat(f.rows(Optional.of(db), "SELECT code FROM t")).containsExactly("a");
    }

    @Test
    void a_version_duckdb_does_not_know_fails_the_step_saying_what_to_name() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(SYNC).metadataStorageVersion("v1.9.0");
        f.write("t/year=2024/a.parquet", "SELECT 'a' AS code", 1000);

        RunOutcome r = f.run();

        assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(r.record().step("sync").orElseThrow().error()).startsWith("the DuckDB in duckdag (v")
                .endsWith(") does not know the storage version v1.9.0 that settings.metadata_storage_version names;"
                        + " name a DuckDB release it knows, such as v1.0.0 or v1.4.0");
        assertThat(db).doesNotExist();
    }

    /** The file header: 8 bytes of checksum, "DUCK", then the storage version as a little-endian 64-bit number. */
    static long storageVersionInHeader(Path file) throws IOException {
        byte[] head = new byte[20];
        try (InputStream in = Files.newInputStream(file)) {
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
        }
        assertThat(new String(head, 8, 4, StandardCharsets.US_ASCII)).isEqualTo("DUCK");
        return ByteBuffer.wrap(head, 12, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String log(LakeFixture f) throws IOException {
        return Files.readString(f.store().logFile(f.latest().runId(), "sync"));
    }

    private static List<String> namesIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
