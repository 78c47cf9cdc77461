package io.duckdag.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.engine.RunOutcome;
import io.duckdag.process.LakeInvariants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under staging while compaction writes (a small tmpfs mounted over the staging
 * folder, as root may): the step fails naming the folder and the system's reason, the live lake
 * is exactly as it was, and once the disk has room a resume compacts, verifies and swaps.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    @Test
    void a_full_disk_under_staging_fails_compaction_cleanly_and_a_resume_succeeds_once_there_is_room() throws Exception {
        LakeFixture f = new LakeFixture(dir).pipeline("tables:\n  t: { partition_by: [year], sort_by: [id] }\n" + CompactVerifySwapTest.STEPS);
        for (int i = 0; i < 4; i++) {
            f.write("t/year=2024/f" + i + ".parquet", "SELECT range AS id, md5(range::VARCHAR) || md5((range * 7)::VARCHAR) AS payload "
                    + "FROM range(" + (i * 20_000) + ", " + ((i + 1) * 20_000) + ")", 1000 + i);
        }
        java.util.Map<String, LakeInvariants.Rows> expected = LakeInvariants.expect(dir.resolve("lake"), List.of(T));
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", staging.toString()).redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes());
        Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (" + said.strip() + "): the full-disk case is not tried");
        List<String> before = f.files("lake");
        RunOutcome full;
        try {
            full = f.run();
        } finally {
            new ProcessBuilder("umount", "-l", staging.toString()).start().waitFor();
        }

        assertThat(full.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        String error = full.record().step("compact[t]").orElseThrow().error();
        assertThat(error).startsWith("the disk is full while compacting partition year=2024 of t into " + dir.resolve("staging"))
                .contains("No space left on device").endsWith("then resume the run; nothing was written to the lake");
        assertThat(full.record().step("swap[t]").orElseThrow().status().word()).isEqualTo("upstream_failed");
        assertThat(f.files("lake")).isEqualTo(before);

        RunOutcome resumed = f.resume();
        assertThat(resumed.exitCode()).as(String.valueOf(resumed.record().steps())).isEqualTo(ExitCode.OK);
        assertThat(f.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + f.live("t"))).containsExactly("80000|80000|0|79999");
        LakeInvariants.check(new LakeInvariants.Folders(dir.resolve("lake"), dir.resolve("staging/p"), dir.resolve("state/p"),
                dir.resolve("metadata.db")), List.of(T), expected);
    }

    @Test
    void a_disk_full_when_swap_starts_changes_nothing_live_and_a_resume_swaps_once_there_is_room() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", disk.toString()).redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes());
        Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (" + said.strip() + "): the full-disk case is not tried");
        try {
            // Lake, staging, backups, metadata.db and state on one small disk, as on a user's machine.
            LakeFixture f = new LakeFixture(disk).pipeline("tables:\n  t: { partition_by: [year], sort_by: [id] }\n" + CompactVerifySwapTest.STEPS);
            for (int i = 0; i < 4; i++) {
                f.write("t/year=2024/f" + i + ".parquet", "SELECT range AS id, md5(range::VARCHAR) AS payload "
                        + "FROM range(" + (i * 5_000) + ", " + ((i + 1) * 5_000) + ")", 1000 + i);
            }
            java.util.Map<String, LakeInvariants.Rows> expected = LakeInvariants.expect(disk.resolve("lake"), List.of(T));
            f.env = java.util.Map.of("DUCKDAG_FAILPOINT", "before:swap[t]@fail");
            assertThat(f.run().record().step("verify[t]").orElseThrow().status().word()).isEqualTo("succeeded");
            f.env = java.util.Map.of();
            List<String> before = f.files("lake");
            Path filler = disk.resolve("filler");
            fill(filler);

            // The run fails, or its record cannot be written and the run is refused (exit 1 from the CLI).
            String what;
            try {
                RunOutcome full = f.resume();
                assertThat(full.exitCode()).isNotEqualTo(ExitCode.OK);
                what = String.valueOf(full.record().steps());
            } catch (java.io.UncheckedIOException e) {
                what = e.getMessage();
            }
            assertThat(what).contains("No space left on device");
            assertThat(f.files("lake")).as("the live lake after a swap on a full disk: " + what).isEqualTo(before);
            Files.delete(filler);
            RunOutcome resumed = f.resume();
            assertThat(resumed.exitCode()).as(String.valueOf(resumed.record().steps())).isEqualTo(ExitCode.OK);
            assertThat(f.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + f.live("t"))).containsExactly("20000|20000|0|19999");
            assertThat(f.files("lake")).allMatch(name -> name.contains("part-"));
            LakeInvariants.check(new LakeInvariants.Folders(disk.resolve("lake"), disk.resolve("staging/p"), disk.resolve("state/p"),
                    disk.resolve("metadata.db")), List.of(T), expected);
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).start().waitFor();
        }
    }

    static final LakeInvariants.Table T = new LakeInvariants.Table("t", List.of("year"), List.of("id"), List.of());

    /** Writes zeros into {@code file} until the disk refuses more. */
    static void fill(Path file) throws java.io.IOException {
        byte[] block = new byte[64 * 1024];
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (java.io.IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }
}
