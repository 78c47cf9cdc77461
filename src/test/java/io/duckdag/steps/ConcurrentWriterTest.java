package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.engine.RunOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A downloader keeps writing new files into the live partitions (and a new one) while a run
 * compacts and swaps every partition: afterwards every row ever written is live exactly once.
 */
class ConcurrentWriterTest {
    @TempDir
    Path dir;

    @Test
    void rows_written_during_a_run_are_never_lost_nor_doubled() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [id] }\n"
                + CompactVerifySwapTest.stepsCompactingWith("{ full: true }"));
        AtomicLong nextId = new AtomicLong();
        for (int i = 0; i < 12; i++) {
            writeFile(f, 2023 + i % 2, nextId, 500, "seed" + i);
        }
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
            try {
                while (!stop.get()) {
                    int files = written.get();
                    writeFile(f, 2023 + files % 3, nextId, 100, "late" + files);
                    written.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return written.get();
        });

        // At least two runs, and as many more as it takes for the downloader to write during them:
        // how many files that is depends on how fast a run is, not on what is tested.
        int runs = 0;
        while (runs < 2 || (written.get() <= 10 && runs < 20)) {
            RunOutcome outcome = f.run();
            assertThat(outcome.exitCode()).as("run " + runs).isEqualTo(ExitCode.OK);
            runs++;
        }
        stop.set(true);
        int lateFiles = writer.get();

        assertThat(lateFiles).isGreaterThan(10);
        long n = nextId.get();
        assertThat(f.rows("SELECT count(*), count(DISTINCT id), min(id), max(id), sum(id) FROM " + f.live("t")))
                .containsExactly(n + "|" + n + "|0|" + (n - 1) + "|" + (n * (n - 1) / 2));
        assertThat(f.files("lake/t").stream().filter(name -> name.contains("/part-")).count()).as("compacted files").isPositive();
    }

    /** Writes one file of {@code rows} new ids into a partition, as a downloader would: a temporary name, then a rename. */
    private static void writeFile(LakeFixture f, int year, AtomicLong nextId, int rows, String name) throws Exception {
        long from = nextId.getAndAdd(rows);
        Path partition = f.lake.resolve("t/year=" + year);
        Files.createDirectories(partition);
        Path tmp = partition.resolve("." + name + ".tmp");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute("COPY (SELECT range AS id, md5(range::VARCHAR) AS payload FROM range(" + from + ", "
                    + (from + rows) + ")) TO '" + tmp + "' (FORMAT PARQUET)");
        }
        Files.move(tmp, partition.resolve(name + ".parquet"), StandardCopyOption.ATOMIC_MOVE);
    }
}
