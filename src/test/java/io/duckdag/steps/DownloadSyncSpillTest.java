package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.duckdag.ExitCode;
import io.duckdag.TestPipelines;
import io.duckdag.engine.RunOutcome;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** http downloads against a local server, the demo download, a held metadata database, and a compaction larger than memory. */
class DownloadSyncSpillTest {
    @TempDir
    Path dir;

    @Test
    void http_download_retries_server_errors_checks_the_checksum_and_writes_atomically() throws Exception {
        byte[] body = "ts_code,close\n000001.SZ,10.5\n".getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/flaky.csv", x -> {
            int n = calls.incrementAndGet();
            x.sendResponseHeaders(n == 1 ? 503 : 200, n == 1 ? -1 : body.length);
            if (n > 1) {
                x.getResponseBody().write(body);
            }
            x.close();
        });
        server.createContext("/missing.csv", x -> {
            x.sendResponseHeaders(404, -1);
            x.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            LakeFixture f = new LakeFixture(dir).pipeline(TestPipelines.text("lake-fixture/http-downloads",
                    Map.of("base", base, "dir", dir, "sha256", sha, "wrong_sha256", "0".repeat(64))));

            RunOutcome r = f.run();

            assertThat(r.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
            assertThat(dir.resolve("in/good.csv")).hasBinaryContent(body);
            assertThat(f.latest().step("good").orElseThrow().metrics()).containsEntry("sha256", sha);
            assertThat(f.latest().step("wrong-sum").orElseThrow().error()).isEqualTo(base + "/flaky.csv sent a file with sha256 "
                    + sha + ", not the expected " + "0".repeat(64) + "; " + dir.resolve("in/bad.csv") + " was left as it was");
            assertThat(f.latest().step("missing").orElseThrow().error()).isEqualTo(base + "/missing.csv answered HTTP 404; check the url");
            assertThat(f.files("in")).containsExactly("good.csv");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void demo_download_is_deterministic_and_delivers_each_file_once() throws Exception {
        String body = TestPipelines.text("lake-fixture/demo-download");
        LakeFixture a = new LakeFixture(dir.resolve("a")).pipeline(body);
        LakeFixture b = new LakeFixture(dir.resolve("b")).pipeline(body);
        a.run();
        b.run();

        assertThat(a.files("lake")).isEqualTo(b.files("lake")).hasSize(24);
        String checksum = "SELECT count(*), sum(hash(ts_code, trade_date, close, dv_ttm)::HUGEINT), count(DISTINCT year) FROM ";
        assertThat(a.rows(checksum + a.live("daily_basic"))).isEqualTo(b.rows(checksum + b.live("daily_basic")));
        assertThat(a.rows("SELECT count(*), count(dv_ttm) > 0, count(*) > count(dv_ttm), count(DISTINCT year) > 1 FROM " + a.live("daily_basic")))
                .containsExactly("3000|true|true|true");
        assertThat(a.rows("SELECT count(*) > count(DISTINCT (ts_code, end_date, report_type)) FROM " + a.live("income")))
                .as("re-downloaded keys").containsExactly("true");

        RunOutcome again = a.run();
        assertThat(again.record().step("download").orElseThrow().metrics()).containsEntry("files_written", 0);
        assertThat(a.files("lake")).hasSize(24);
    }

    @Test
    void sync_waits_for_a_process_holding_the_metadata_database_then_fails_naming_it() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(TestPipelines.text("lake-fixture/sync-flat-t"));
        f.write("t/a.parquet", "SELECT 'a' AS code", 1000);
        f.kinds = StandardKinds.all().with(new SyncMetadataStep(4, Duration.ofMillis(300)));
        Path db = dir.resolve("metadata.db");

        Process brief = HoldDatabase.start(db, 800, dir.resolve("ready1"));
        RunOutcome waited = f.run();
        brief.waitFor();
        assertThat(waited.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(Files.readString(f.store().logFile(f.latest().runId(), "sync"))).contains("is held by", "retrying in 300 ms");

        // A new file: the view has to be written again, so the database has to be opened.
        f.write("t/b.parquet", "SELECT 'b' AS code", 1000);
        Process stubborn = HoldDatabase.start(db, 60_000, dir.resolve("ready2"));
        try {
            RunOutcome failed = f.run();
            assertThat(failed.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
            assertThat(f.latest().step("sync").orElseThrow().error()).startsWith(db + " is held open by ")
                    .contains("(pid " + stubborn.pid() + ") (tried 4 times)")
                    .endsWith("Close that program (or its connection) and resume the run");
        } finally {
            stubborn.destroyForcibly().waitFor();
        }
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.rows(java.util.Optional.of(db), "SELECT code FROM t ORDER BY code")).containsExactly("a", "b");

        // With nothing to write, a program holding the database (a query session) does not fail the run.
        Process reader = HoldDatabase.start(db, 60_000, dir.resolve("ready3"));
        try {
            assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
            assertThat(f.latest().step("sync").orElseThrow().metrics()).containsEntry("views_unchanged", 1);
        } finally {
            reader.destroyForcibly().waitFor();
        }
    }

    @Test
    void a_partition_several_times_larger_than_the_memory_limit_compacts_by_spilling() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  big: { partition_by: [year], sort_by: [k], key: [k] }\n"
                + CompactVerifySwapTest.STEPS).limitMemory("256MB");
        for (int i = 0; i < 4; i++) {
            f.write("big/year=2024/f" + i + ".parquet", "SELECT (hash(i, " + i + ") % 3000000)::BIGINT AS k, repeat(md5((i * 7 + " + i
                    + ")::VARCHAR), 4) AS s, i AS n FROM range(" + (i * 1_450_000) + ", " + ((i + 1) * 1_450_000) + ") r(i)", 1000 + i);
        }
        long uncompressed = Long.parseLong(f.rows("SELECT sum(total_uncompressed_size) FROM parquet_metadata('" + f.lake.resolve("big") + "/*/*.parquet')").get(0));
        assertThat(uncompressed).isGreaterThan(3L * 256 * 1024 * 1024);
        String expected = f.rows("SELECT count(DISTINCT k) FROM " + f.live("big")).get(0);

        RunOutcome r = f.run();

        assertThat(r.exitCode()).as(String.valueOf(r.record().steps())).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT count(*) FROM " + f.live("big"))).containsExactly(expected);
        assertThat(r.record().step("verify[big]").orElseThrow().status()).isEqualTo(io.duckdag.state.StepStatus.SUCCEEDED);
        assertThat(f.files("lake/big")).isNotEmpty().allMatch(n -> n.startsWith("year=2024/part-"));
    }
}
