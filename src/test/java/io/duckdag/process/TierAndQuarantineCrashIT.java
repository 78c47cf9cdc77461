package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.TestPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two swaps this lake's other crash test does not reach, killed (a halt, as kill -9) at each
 * of their failpoints and resumed: a tiered swap, which leaves the compacted files live and adds
 * one, and a swap that also moves an unreadable file to the quarantine. After the resume the live
 * rows are exactly those of a run that was never killed and those expected from the files before
 * the kill, and the lake holds the other {@link LakeInvariants} (sorted files, views, nothing left).
 */
class TierAndQuarantineCrashIT {
    static final String PIPELINE = TestPipelines.text("crash-daily-basic-quarantine");
    static final List<LakeInvariants.Table> TABLES = List.of(LakeInvariants.DAILY_BASIC);

    /** A first run compacts every partition; then a night's small file (rows copied from it) lands in 2024. */
    static void compactedThenANight(Path cwd) throws Exception {
        Files.writeString(cwd.resolve("crash.yaml"), PIPELINE);
        Duckdag.Result first = Duckdag.run(cwd, "run", "crash.yaml");
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        Path y2024 = cwd.resolve("data/parquet/daily_basic/year=2024");
        Path compacted;
        try (Stream<Path> files = Files.list(y2024)) {
            compacted = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        sql("COPY (SELECT * FROM read_parquet('" + compacted + "') ORDER BY ALL LIMIT 5) TO '" + y2024.resolve("night.parquet") + "'");
    }

    /**
     * Before the first compaction, a damaged file lands in 2024 beside the downloaded ones; returns
     * the rows expected from the downloaded ones (the damaged file's go to the quarantine).
     */
    static Map<String, LakeInvariants.Rows> downloadedWithADamagedFile(Path cwd) throws Exception {
        Files.writeString(cwd.resolve("crash.yaml"), PIPELINE);
        Duckdag.Result download = Duckdag.run(cwd, "run", "crash.yaml", "--only", "download");
        assertThat(download.code()).as(download.out() + download.err()).isZero();
        Map<String, LakeInvariants.Rows> expected = LakeInvariants.expect(cwd.resolve("data/parquet"), TABLES);
        Path bad = cwd.resolve("data/parquet/daily_basic/year=2024/damaged.parquet");
        sql("COPY (SELECT i AS id FROM range(2000) t(i)) TO '" + bad + "' (FORMAT PARQUET, COMPRESSION UNCOMPRESSED)");
        byte[] bytes = Files.readAllBytes(bad);
        for (int i = 4; i < 20; i++) {
            bytes[i] = (byte) 0xff; // the first page's header: the footer reads, the data does not
        }
        Files.write(bad, bytes);
        return expected;
    }

    @ParameterizedTest(name = "tiered swap killed at {0}")
    @ValueSource(strings = {"after:compact[daily_basic]", "swap:daily_basic:journaled", "swap:daily_basic:moved-1",
            "swap:daily_basic:moved-2", "swap:daily_basic:moves-durable", "after:swap[daily_basic]"})
    void a_tiered_swap_killed_there_then_resumed_holds_exactly_the_rows(String point, @TempDir Path cwd) throws Exception {
        Path reference = Files.createDirectories(cwd.resolve("reference"));
        compactedThenANight(reference);
        Duckdag.Result clean = Duckdag.run(reference, "run", "crash.yaml");
        assertThat(clean.code()).as(clean.out() + clean.err()).isZero();
        assertThat(clean.out()).contains("partitions_tiered=1");
        Path killed = Files.createDirectories(cwd.resolve("killed"));
        compactedThenANight(killed);
        Map<String, LakeInvariants.Rows> expected = LakeInvariants.expect(killed.resolve("data/parquet"), TABLES);

        assertThat(Duckdag.run(killed, Map.of("DUCKDAG_FAILPOINT", point), "run", "crash.yaml").code()).isEqualTo(137);
        Duckdag.Result resumed = Duckdag.run(killed, "run", "crash.yaml", "--resume");

        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(LakeInvariants.live(killed.resolve("data/parquet"), LakeInvariants.DAILY_BASIC))
                .isEqualTo(LakeInvariants.live(reference.resolve("data/parquet"), LakeInvariants.DAILY_BASIC));
        LakeInvariants.check(LakeInvariants.Folders.defaults(killed, "crash"), TABLES, expected);
    }

    @ParameterizedTest(name = "quarantine swap killed at {0}")
    @ValueSource(strings = {"swap:daily_basic:journaled", "swap:daily_basic:moved-1", "swap:daily_basic:moves-durable",
            "after:swap[daily_basic]"})
    void a_swap_that_quarantines_killed_there_then_resumed_holds_exactly_the_rows(String point, @TempDir Path cwd) throws Exception {
        Path reference = Files.createDirectories(cwd.resolve("reference"));
        downloadedWithADamagedFile(reference);
        Duckdag.Result clean = Duckdag.run(reference, "run", "crash.yaml");
        assertThat(clean.code()).as(clean.out() + clean.err()).isZero();
        Path killed = Files.createDirectories(cwd.resolve("killed"));
        Map<String, LakeInvariants.Rows> expected = downloadedWithADamagedFile(killed);

        assertThat(Duckdag.run(killed, Map.of("DUCKDAG_FAILPOINT", point), "run", "crash.yaml").code()).isEqualTo(137);
        Duckdag.Result resumed = Duckdag.run(killed, "run", "crash.yaml", "--resume");

        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(LakeInvariants.live(killed.resolve("data/parquet"), LakeInvariants.DAILY_BASIC))
                .isEqualTo(LakeInvariants.live(reference.resolve("data/parquet"), LakeInvariants.DAILY_BASIC));
        assertThat(quarantined(killed)).containsExactly("damaged.parquet");
        LakeInvariants.check(LakeInvariants.Folders.defaults(killed, "crash"), TABLES, expected);
    }

    static List<String> quarantined(Path cwd) throws Exception {
        try (Stream<Path> all = Files.walk(cwd.resolve("data/quarantine"))) {
            return all.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
        }
    }

    static void sql(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            c.createStatement().execute(sql);
        }
    }
}
