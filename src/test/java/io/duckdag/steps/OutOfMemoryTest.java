package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.TestPipelines;
import io.duckdag.engine.RunOutcome;
import io.duckdag.state.StepStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One table does not fit in memory: its compaction fails saying which partition, the memory
 * limit and threads, and what to change; its file is not taken for damaged (never quarantined);
 * and the other table's view is still refreshed by a sync-metadata step with trigger_rule all_done.
 */
class OutOfMemoryTest {
    @TempDir
    Path dir;

    @Test
    void a_table_too_big_for_memory_fails_clearly_and_the_other_views_are_refreshed() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline(TestPipelines.text("lake-fixture/big-and-small")).limitMemory("32MB");
        // Three 30 MB strings compress to 4 MB on disk but cannot be sorted in 32 MB.
        f.write("big/year=2024/a.parquet", "SELECT i, repeat('x', 30000000) AS s FROM range(3) t(i)", 1000);
        f.write("small/year=2024/a.parquet", "SELECT * FROM (VALUES (2), (1)) v(i)", 1000);
        List<String> bigBefore = f.files("lake/big");

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(outcome.record().step("compact[big]").orElseThrow().error())
                .startsWith("partition year=2024 of big does not fit in DuckDB's memory (settings.duckdb: memory_limit 32MB, threads 2; "
                        + "DuckDB said: Out of Memory Error: ")
                .endsWith("Raise memory_limit, or lower threads (each thread holds its own buffers), then resume the run; "
                        + "nothing was written to the lake");
        assertThat(f.files("lake/big")).isEqualTo(bigBefore);
        assertThat(f.files("quarantine")).isEmpty();
        assertThat(outcome.record().step("sync").orElseThrow().status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.rows(Optional.of(dir.resolve("metadata.db")), "SELECT i FROM small")).containsExactly("1", "2");
    }
}
