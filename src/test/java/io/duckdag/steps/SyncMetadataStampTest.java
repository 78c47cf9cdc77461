package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sync-metadata with nothing changed leaves metadata.db untouched (decided from listings and the
 * file's size and time, without DuckDB), and writes the views again as soon as a view's
 * definition, the set of tables, a file below a table or the database itself changed.
 */
class SyncMetadataStampTest {
    @TempDir
    Path dir;

    LakeFixture f;
    Path db;

    @BeforeEach
    void lake() throws Exception {
        f = new LakeFixture(dir).pipeline(pipeline(""));
        f.write("t/year=2023/a.parquet", "SELECT 1 AS id, 'x' AS v", 1_700_000_000);
        f.write("t/year=2024/b.parquet", "SELECT 2 AS id, 'y' AS v", 1_700_000_000);
        db = dir.resolve("metadata.db");
    }

    private static String pipeline(String columns) {
        return TestPipelines.text("lake-fixture/sync-t", Map.of("columns", columns));
    }

    private boolean unchangedReported() {
        return f.latest().step("sync").orElseThrow().metrics().containsKey("views_unchanged");
    }

    @Test
    void a_second_sync_with_nothing_changed_does_not_open_or_rewrite_the_database() throws Exception {
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(unchangedReported()).isFalse();
        FileTime written = Files.getLastModifiedTime(db);
        long size = Files.size(db);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        assertThat(unchangedReported()).isTrue();
        assertThat(f.latest().step("sync").orElseThrow().metrics()).containsEntry("views", 1);
        assertThat(Files.getLastModifiedTime(db)).isEqualTo(written);
        assertThat(Files.size(db)).isEqualTo(size);
        assertThat(f.rows(Optional.of(db), "SELECT count(*), sum(id) FROM t")).containsExactly("2|3");
        assertThat(f.plan(false).step("sync").description().impact()).containsExactly("the views t in " + db
                + " are as the last sync wrote them and nothing below their table folders changed: nothing to write"
                + " (unless a step before it changes the lake)");
    }

    @Test
    void a_new_file_below_a_table_writes_the_views_again() throws Exception {
        f.run();
        f.write("t/year=2024/c.parquet", "SELECT 3 AS id, 'z' AS v", 1_700_000_000);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        assertThat(unchangedReported()).isFalse();
        assertThat(f.rows(Optional.of(db), "SELECT count(*), sum(id) FROM t")).containsExactly("3|6");
    }

    @Test
    void a_file_rewritten_in_place_with_the_same_name_writes_the_views_again() throws Exception {
        f.run();
        // Another column, same name and modification time: only the size tells.
        f.write("t/year=2024/b.parquet", "SELECT 2 AS id, 'y' AS v, 7 AS extra", 1_700_000_000);

        f.run();

        assertThat(unchangedReported()).isFalse();
        assertThat(f.rows(Optional.of(db), "SELECT column_name FROM (DESCRIBE t) WHERE column_name = 'extra'")).containsExactly("extra");
    }

    @Test
    void a_new_table_writes_the_views_again() throws Exception {
        f.run();
        f.write("u/year=2024/a.parquet", "SELECT 5 AS id", 1_700_000_000);

        f.run();

        assertThat(unchangedReported()).isFalse();
        assertThat(f.rows(Optional.of(db), "SELECT count(*) FROM u")).containsExactly("1");
    }

    @Test
    void a_changed_view_definition_writes_the_views_again() throws Exception {
        f.run();
        f.pipeline(pipeline(", columns: { id: DOUBLE }"));

        f.run();

        assertThat(unchangedReported()).isFalse();
        assertThat(f.rows(Optional.of(db), "SELECT column_type FROM (DESCRIBE t) WHERE column_name = 'id'")).containsExactly("DOUBLE");
    }

    @Test
    void a_database_changed_by_another_program_gets_its_views_back() throws Exception {
        f.run();
        f.sql("ATTACH '" + db + "' AS m; DROP VIEW m.t; DETACH m");

        f.run();

        assertThat(unchangedReported()).isFalse();
        assertThat(f.rows(Optional.of(db), "SELECT count(*) FROM t")).containsExactly("2");
    }

    @Test
    void a_deleted_database_is_created_again() throws Exception {
        f.run();
        Files.delete(db);

        f.run();

        assertThat(unchangedReported()).isFalse();
        assertThat(f.rows(Optional.of(db), "SELECT count(*) FROM t")).containsExactly("2");
    }

    @Test
    void a_sync_that_failed_leaves_no_stamp_and_the_next_one_does_the_work() throws Exception {
        f.run();
        Path bad = f.lake.resolve("t/year=2024/bad.parquet");
        Files.writeString(bad, "not parquet");
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(dir.resolve("state/p/views/sync")).doesNotExist();
        Files.delete(bad);

        f.run();

        assertThat(unchangedReported()).isFalse();
        assertThat(dir.resolve("state/p/views/sync")).exists();
        f.run();
        assertThat(unchangedReported()).isTrue();
    }
}
