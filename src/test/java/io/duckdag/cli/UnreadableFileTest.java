package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged file in a partition: DuckDB's error names no file, so compaction reads each input
 * on its own and names the culprit; by default the step fails and the lake is untouched, and
 * with on_unreadable: quarantine the file is moved out through the swap's journal, the rest is
 * compacted, and rollback puts it back.
 */
class UnreadableFileTest {
    @TempDir
    Path dir;

    Path pipeline(String onUnreadable) throws Exception {
        Path file = TestPipelines.write(dir.resolve("lake.yaml"), "quarantine", Map.of("dir", dir, "on_unreadable", onUnreadable));
        write("lake/t/year=2024/a.parquet", "SELECT i AS id, 'a' || i AS s FROM range(0, 100) t(i)");
        write("lake/t/year=2024/b.parquet", "SELECT i AS id, 'b' || i AS s FROM range(100, 150) t(i)");
        write("lake/t/year=2024/c.parquet", "SELECT i AS id, 'c' || i AS s FROM range(150, 2150) t(i)");
        write("lake/t/year=2023/d.parquet", "SELECT i AS id, 'd' || i AS s FROM range(0, 10) t(i)");
        damage(dir.resolve("lake/t/year=2024/c.parquet"));
        damage(dir.resolve("lake/t/year=2023/d.parquet"));
        return file;
    }

    void write(String relative, String select) throws Exception {
        Path target = dir.resolve(relative);
        Files.createDirectories(target.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute("COPY (" + select + ") TO '" + target + "' (FORMAT PARQUET, COMPRESSION UNCOMPRESSED)");
        }
    }

    /** Overwrites the first page's header: the footer still reads, the data does not, and DuckDB's error names no file. */
    static void damage(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 4; i < 20; i++) {
            bytes[i] = (byte) 0xff;
        }
        Files.write(file, bytes);
    }

    List<String> files(String relative) throws Exception {
        Path root = dir.resolve(relative);
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            // Without duckdag's table locks (.duckdag/locks/ in the lake), which hold no data.
            return all.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).filter(n -> !n.startsWith(".duckdag/"))
                    .sorted().toList();
        }
    }

    @Test
    void by_default_the_step_fails_naming_the_file_and_the_lake_is_untouched() throws Exception {
        String file = pipeline("fail").toString();
        byte[] damaged = Files.readAllBytes(dir.resolve("lake/t/year=2024/c.parquet"));

        CliRunner.Result run = CliRunner.run("run", file);

        assertThat(run.exitCode()).isEqualTo(1);
        Path c = dir.resolve("lake/t/year=2023/d.parquet");
        assertThat(run.out()).contains("partition year=2023 of t: DuckDB cannot read the file " + c + " (",
                "; nothing was written. Move it out of the lake or replace it with a good copy, or set 'on_unreadable: quarantine' under table t");
        Path log = Files.list(dir.resolve("state/lake/runs")).findFirst().orElseThrow().resolve("logs/compact[t].log");
        assertThat(Files.readString(log)).contains("year=2023: DuckDB cannot read " + c + ": ");
        assertThat(files("lake")).containsExactly("t/year=2023/d.parquet", "t/year=2024/a.parquet", "t/year=2024/b.parquet",
                "t/year=2024/c.parquet");
        assertThat(Files.readAllBytes(dir.resolve("lake/t/year=2024/c.parquet"))).isEqualTo(damaged);
        assertThat(files("quarantine")).isEmpty();
    }

    @Test
    void quarantine_moves_the_file_out_compacts_the_rest_and_rollback_puts_it_back() throws Exception {
        String file = pipeline("quarantine").toString();
        byte[] damaged = Files.readAllBytes(dir.resolve("lake/t/year=2024/c.parquet"));

        CliRunner.Result run = CliRunner.run("run", file);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("files_quarantined=2", "quarantined=[year=2023/d.parquet, year=2024/c.parquet]");
        List<String> live = files("lake/t");
        assertThat(live).hasSize(1).allMatch(n -> n.matches("year=2024/part-.*\\.parquet"));
        assertThat(rows("SELECT count(*), min(id), max(id) FROM read_parquet('" + dir.resolve("lake/t") + "/**/*.parquet')"))
                .containsExactly("150|0|149");
        String runId = files("state/lake/runs").get(0).split("/")[0];
        assertThat(files("quarantine")).containsExactly("lake/" + runId + "/t/year=2023/d.parquet", "lake/" + runId + "/t/year=2024/c.parquet");
        assertThat(Files.readAllBytes(dir.resolve("quarantine/lake/" + runId + "/t/year=2024/c.parquet"))).isEqualTo(damaged);

        CliRunner.Result status = CliRunner.run("status", file);
        assertThat(status.out()).contains("quarantined=[year=2023/d.parquet, year=2024/c.parquet]");

        // The user looked at the 2023 file and deleted it: rollback puts back the rest.
        Files.delete(dir.resolve("quarantine/lake/" + runId + "/t/year=2023/d.parquet"));
        CliRunner.Result rollback = CliRunner.run("rollback", file, "--table", "t");

        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("year=2024: 2 files put back and 1 from the quarantine",
                "year=2023: the quarantined d.parquet is no longer in " + dir.resolve("quarantine/lake/" + runId + "/t/year=2023")
                        + " (or its name is live again); not put back");
        assertThat(files("lake")).containsExactly("t/year=2024/a.parquet", "t/year=2024/b.parquet", "t/year=2024/c.parquet");
        assertThat(Files.readAllBytes(dir.resolve("lake/t/year=2024/c.parquet"))).isEqualTo(damaged);
        assertThat(files("quarantine")).isEmpty();
    }

    List<String> rows(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); ResultSet rs = c.createStatement().executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(b.toString());
            }
            return out;
        }
    }
}
