package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.engine.RunOutcome;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compaction's staged output is damaged in each way verify must catch; verify fails naming the
 * partition and the difference, swap never runs, and the live lake is exactly as it was.
 * (On a resume the planner would notice most of these by file size and compact again; that
 * layer is switched off here so that verify's own checks are what is tested.)
 */
class VerifyCorruptionTest {
    @TempDir
    Path dir;

    static Stream<Arguments> damages() {
        return Stream.of(
                Arguments.of("a missing row", "SELECT * FROM staged WHERE code <> 'C' ORDER BY code, d",
                        "the staged output has 3 rows but the inputs hold after collapsing duplicate keys 4; nothing was swapped"),
                Arguments.of("a changed value", "SELECT code, d, CASE WHEN code = 'A' AND d = 1 THEN 'tampered' ELSE v END AS v FROM staged ORDER BY code, d",
                        "the staged output has the right number of rows (4) but their contents differ from the inputs"),
                Arguments.of("unsorted rows", "SELECT * FROM staged ORDER BY code DESC, d DESC",
                        "is not sorted by code, d (3 rows out of order, the first at row 1); nothing was swapped"),
                Arguments.of("another column", "SELECT *, 1 AS extra FROM staged ORDER BY code, d",
                        "has columns (code VARCHAR, d INTEGER, v VARCHAR, extra INTEGER) but the inputs have (code VARCHAR, d INTEGER, v VARCHAR)"),
                Arguments.of("a duplicated key", "SELECT * FROM (SELECT * FROM staged WHERE code <> 'C' UNION ALL SELECT * FROM staged WHERE code = 'A' AND d = 1) ORDER BY code, d",
                        "the staged output has 1 rows with a duplicate key (code, d); nothing was swapped"),
                Arguments.of("an unreadable file", null, "cannot be read by DuckDB"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void verify_catches_it_and_nothing_is_swapped(String damage, String rewrite, String expected) throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(CompactVerifySwapTest.KEYED);
        f.write("t/year=2024/a.parquet", "SELECT * FROM (VALUES ('B', 1, 'old'), ('A', 2, 'x'), ('C', 1, 'c')) v(code, d, v)", 1000);
        f.write("t/year=2024/b.parquet", "SELECT * FROM (VALUES ('B', 1, 'new'), ('A', 1, 'a1')) v(code, d, v)", 2000);
        assertThat(f.run(LakeFixture.only("compact")).exitCode()).isEqualTo(ExitCode.OK);
        List<String> liveBefore = f.files("lake");
        Path stagedDir = dir.resolve("staging/p").resolve(f.latest().runId()).resolve("t/year=2024");
        Path staged;
        try (Stream<Path> files = Files.list(stagedDir)) {
            staged = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }

        if (rewrite == null) {
            Files.writeString(staged, "this is not a parquet file");
        } else {
            Path tmp = dir.resolve("damaged.parquet");
            f.sql("CREATE VIEW staged AS SELECT * FROM read_parquet('" + staged + "', hive_partitioning = false); COPY (" + rewrite + ") TO '" + tmp + "' (FORMAT PARQUET)");
            Files.move(tmp, staged, StandardCopyOption.REPLACE_EXISTING);
        }
        f.inspect = false; // the planner's size check would re-run compaction; here verify itself must catch it
        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(resumed.record().step("verify[t]").orElseThrow().error())
                .startsWith("partition year=2024 of t: ").contains(expected);
        assertThat(resumed.record().step("swap[t]").orElseThrow().status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.files("lake")).isEqualTo(liveBefore);
        assertThat(f.files("backups")).isEmpty();
    }
}
