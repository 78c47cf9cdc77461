package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.lake.DuckDbLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill soak: the real jar runs compact, verify, swap and sync-metadata over a lake while a
 * downloader keeps writing new files into the live partitions, and is killed with SIGKILL at a
 * random instant, again and again, each time followed by a resume. At the end (the downloader
 * stopped, one last run to completion) the lake must hold every row ever written, each exactly
 * once, every live file must be readable and sorted, the views must answer, and no staging,
 * journal entry or lock may be left.
 *
 * <p>The suite runs {@value #DEFAULT_KILLS} kills. The long mode ({@code -Dduckdag.soak.long=true})
 * runs {@value #LONG_KILLS}, or as many as asked ({@code -Dduckdag.soak.kills=N}), or for as long
 * as asked ({@code -Dduckdag.soak.minutes=M}), with a seed to replay ({@code -Dduckdag.soak.seed=S}).
 * Every kill is printed with its delay.
 */
class KillSoakIT {
    static final int DEFAULT_KILLS = 5;
    /** The long soak's number of kills, unless told another. */
    static final int LONG_KILLS = 30;
    static final int KILLS = Integer.getInteger("duckdag.soak.kills", Boolean.getBoolean("duckdag.soak.long") ? LONG_KILLS : DEFAULT_KILLS);
    static final long SEED = Long.getLong("duckdag.soak.seed", System.nanoTime());
    /** With a number of minutes, the soak goes on killing until they have passed, however many kills that makes. */
    static final long MINUTES = Long.getLong("duckdag.soak.minutes", 0);
    static final List<Integer> YEARS = List.of(2021, 2022, 2023, 2024);
    static final String PIPELINE = """
            pipeline: soak
            settings: { lake: lake, staging: staging, backups: backups, metadata_db: metadata.db, state_dir: state, keep_backups: 2 }
            tables:
              quotes: { partition_by: [year], sort_by: [code, id] }
            steps:
              - id: compact
                type: compact
                with: { table: quotes }
              - id: verify
                type: verify
                with: { table: quotes }
                depends_on: [compact]
              - id: swap
                type: swap
                with: { table: quotes }
                depends_on: [verify]
              - id: sync-metadata
                type: sync-metadata
                depends_on: [swap]
            """;

    @TempDir
    Path cwd;

    /** Every file written into the lake, also kept here: what the lake must hold in the end. */
    Path written;
    final AtomicInteger nextId = new AtomicInteger();
    final AtomicInteger files = new AtomicInteger();

    @Test
    void killed_at_random_instants_while_a_downloader_writes_the_lake_loses_and_doubles_nothing() throws Exception {
        DuckDbLibrary.prepare();
        Random random = new Random(SEED);
        System.out.println("KillSoakIT: " + KILLS + " kills" + (MINUTES > 0 ? " and at least " + MINUTES + " minutes" : "")
                + ", seed " + SEED + " (-Dduckdag.soak.seed=" + SEED + " replays it)");
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(MINUTES);
        Files.writeString(cwd.resolve("soak.yaml"), PIPELINE);
        written = Files.createDirectories(cwd.resolve("written"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (int i = 0; i < 24; i++) {
                writeFile(c, YEARS.get(i % YEARS.size()), 8_000, random);
            }
        }
        long start = System.nanoTime();
        Duckdag.Result first = Duckdag.run(cwd, "run", "soak.yaml");
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        long runMillis = Math.max(1500, (System.nanoTime() - start) / 1_000_000);

        AtomicBoolean downloading = new AtomicBoolean(true);
        List<Throwable> downloaderFailed = new ArrayList<>();
        Thread downloader = new Thread(() -> {
            Random r = new Random(SEED + 1);
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
                while (downloading.get()) {
                    writeFile(c, YEARS.get(r.nextInt(YEARS.size())), 500 + r.nextInt(2_000), r);
                    Thread.sleep(100 + r.nextInt(300));
                }
            } catch (Throwable e) {
                downloaderFailed.add(e);
            }
        }, "soak-downloader");
        downloader.start();
        int killed = 0;
        int finished = 0;
        boolean unfinished = false;
        try {
            while (killed < KILLS || System.nanoTime() < until) {
                Duckdag.Running run = unfinished ? Duckdag.start(cwd, Map.of(), "run", "soak.yaml", "--resume")
                        : Duckdag.start(cwd, Map.of(), "run", "soak.yaml");
                long started = System.nanoTime();
                long delay = 200 + (long) (random.nextDouble() * runMillis);
                if (run.process().waitFor(delay, TimeUnit.MILLISECONDS)) {
                    Duckdag.Result r = run.await(1);
                    // The kills aim at the length of the runs as they are now (the first compacts everything).
                    runMillis = Math.max(800, (System.nanoTime() - started) / 1_000_000);
                    // Finished before the kill: it must have succeeded (or refused a resume of a finished run).
                    assertThat(r.code()).as(r.out() + r.err()).isIn(0, 2);
                    unfinished = false;
                    finished++;
                    continue;
                }
                run.kill9();
                killed++;
                unfinished = true;
                System.out.println("KillSoakIT: kill " + killed + " after " + delay + " ms");
                assertThat(downloaderFailed).isEmpty();
            }
        } finally {
            downloading.set(false);
            downloader.join();
        }
        assertThat(downloaderFailed).isEmpty();

        if (unfinished) {
            // The last kill may have come after the run recorded its end: then there is nothing to resume.
            Duckdag.Result resumed = Duckdag.run(cwd, "run", "soak.yaml", "--resume");
            assertThat(resumed.code() == 0 || resumed.code() == 2 && resumed.err().contains("has no unfinished run to resume"))
                    .as(resumed.out() + resumed.err()).isTrue();
        }
        // The downloader's last files are compacted by one more run, so that every live file is sorted.
        Duckdag.Result last = Duckdag.run(cwd, "run", "soak.yaml");
        assertThat(last.code()).as(last.out() + last.err()).isZero();

        try {
            checkInvariants();
        } catch (AssertionError e) {
            keepForInspection();
            throw e;
        }
        System.out.println("KillSoakIT: " + killed + " kills survived, " + finished + " runs finished before their kill, "
                + files.get() + " files and " + nextId.get() + " rows written, 0 rows lost or doubled");
    }

    /**
     * Writes one downloaded file: rows with ids never used before, in random order, first under a
     * hidden name beside the lake's, then renamed, as a downloader that knows its job does; a copy
     * goes to {@code written}.
     */
    void writeFile(Connection c, int year, int rows, Random random) throws Exception {
        int first = nextId.getAndAdd(rows);
        int n = files.incrementAndGet();
        Path dir = Files.createDirectories(cwd.resolve("lake/quotes/year=" + year));
        Path tmp = dir.resolve(".downloading-" + n + ".parquet");
        try (Statement s = c.createStatement()) {
            s.execute("COPY (SELECT " + first + " + i AS id, 'C' || lpad(((i * 7919 + " + random.nextInt(1000) + ") % 500)::VARCHAR, 3, '0') AS code, "
                    + "round(random() * 100, 2)::DOUBLE AS price, " + year + " AS year FROM range(" + rows + ") t(i) ORDER BY random()) TO '"
                    + tmp + "' (FORMAT parquet)");
        }
        Files.copy(tmp, Files.createDirectories(written.resolve("quotes/year=" + year)).resolve("f" + n + ".parquet"));
        Files.move(tmp, dir.resolve("dl-" + n + ".parquet"), StandardCopyOption.ATOMIC_MOVE);
    }

    static final LakeInvariants.Table QUOTES = new LakeInvariants.Table("quotes", List.of("year"), List.of("code", "id"), List.of());

    /**
     * The invariants every fault test checks (LakeInvariants), against every file the downloader
     * ever wrote, and each id once.
     */
    void checkInvariants() throws Exception {
        Map<String, LakeInvariants.Rows> expected = LakeInvariants.expect(written, List.of(QUOTES));
        assertThat(expected.get("quotes").count()).isEqualTo(nextId.get());
        LakeInvariants.check(new LakeInvariants.Folders(cwd.resolve("lake"), cwd.resolve("staging/soak"), cwd.resolve("state/soak"),
                cwd.resolve("metadata.db")), List.of(QUOTES), expected);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            assertThat(row(s, "SELECT count(DISTINCT id) FROM read_parquet('" + cwd.resolve("lake/quotes") + "/*/*.parquet')"))
                    .containsExactly(Integer.toString(nextId.get()));
        }
        try (Stream<Path> walk = Files.walk(cwd.resolve("lake/quotes"))) {
            assertThat(walk.filter(p -> p.toString().endsWith(".parquet")).map(p -> p.getFileName().toString()))
                    .as("only compacted files are live after the last run").allMatch(name -> name.startsWith("part-"));
        }
    }

    /** A failed soak's folder, copied to where it outlives the test (its path is printed), to be looked at. */
    void keepForInspection() throws Exception {
        Path keep = Path.of(System.getProperty("java.io.tmpdir"), "duckdag-soak-" + SEED);
        try (Stream<Path> walk = Files.walk(cwd)) {
            for (Path p : walk.toList()) {
                Path to = keep.resolve(cwd.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        System.out.println("KillSoakIT: the failed soak's folder is kept in " + keep);
    }

    static List<String> row(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.add(rs.getString(i));
            }
            return out;
        }
    }

    static List<Path> listed(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
