package io.duckdag.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.state.RunStore;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrency (issue 11, point 8), in-process: while a run holds its pipeline's lock, a second run,
 * a gc and a rollback of that pipeline exit 3 naming the holder's run id and pid; a run of another
 * pipeline over the same lake exits 3 when it would change a table the first run changes, and runs
 * when their tables do not overlap. The same with two real processes: {@code LakeLocksIT}.
 */
class ConcurrencyTest {
    @TempDir
    Path dir;

    /** A pipeline over the shared lake whose first step waits for {@code <name>.go} (after touching {@code <name>.started}). */
    Path pipeline(String name, String... tables) throws Exception {
        StringBuilder y = new StringBuilder("pipeline: " + name + "\nsettings: { lake: " + dir.resolve("lake") + ", staging: "
                + dir.resolve("staging") + ", backups: " + dir.resolve("backups") + ", metadata_db: " + dir.resolve("metadata.db")
                + ", state_dir: " + dir.resolve("state") + " }\ntables:\n");
        for (String t : tables) {
            y.append("  ").append(t).append(": { sort_by: [code] }\n");
        }
        y.append("steps:\n  - { id: wait, type: shell, with: { command: \"touch ").append(dir.resolve(name + ".started"))
                .append("; while [ ! -f ").append(dir.resolve(name + ".go")).append(" ]; do sleep 0.05; done\" } }\n")
                .append("  - { id: compact, type: compact, foreach: tables, depends_on: [wait] }\n");
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, y.toString());
        Files.createDirectories(dir.resolve("lake"));
        return file;
    }

    CompletableFuture<CliRunner.Result> startWaiting(Path file, String name) throws Exception {
        CompletableFuture<CliRunner.Result> run = CompletableFuture.supplyAsync(() -> CliRunner.run("run", file.toString()));
        for (int i = 0; i < 400 && !Files.exists(dir.resolve(name + ".started")); i++) {
            Thread.sleep(25);
        }
        assertThat(dir.resolve(name + ".started")).as("the first run is in its waiting step").exists();
        return run;
    }

    String holder(String pipeline) throws Exception {
        String runId = new RunStore(dir.resolve("state"), pipeline).latest().orElseThrow().runId();
        return "run " + runId + ", pid " + ProcessHandle.current().pid() + " on " + InetAddress.getLocalHost().getHostName()
                + ", started 2024-06-30T01:02:03.004Z";
    }

    @Test
    void a_second_run_a_gc_and_a_rollback_while_a_run_holds_the_lock_exit_3_naming_its_run_id_and_pid() throws Exception {
        Path a = pipeline("a", "t");
        CompletableFuture<CliRunner.Result> first = startWaiting(a, "a");
        String holder = holder("a");

        CliRunner.Result second = CliRunner.run("run", a.toString());
        CliRunner.Result gc = CliRunner.run("gc", a.toString());
        CliRunner.Result rollback = CliRunner.run("rollback", a.toString(), "--table", "t");

        String dead = ", or stop that process: a lock of a dead process never blocks\n";
        assertThat(second.exitCode()).isEqualTo(3);
        assertThat(second.err()).isEqualTo("error: another run of pipeline a is in progress (" + holder + "); wait for it to finish" + dead);
        assertThat(gc.exitCode()).isEqualTo(3);
        assertThat(gc.err()).isEqualTo("error: another run of pipeline a is in progress (" + holder + "); run gc after it finishes" + dead);
        assertThat(rollback.exitCode()).isEqualTo(3);
        assertThat(rollback.err()).isEqualTo("error: another run of pipeline a is in progress (" + holder + "); wait for it to finish" + dead);
        assertThat(new RunStore(dir.resolve("state"), "a").list()).as("the refused run recorded nothing").hasSize(1);

        Files.createFile(dir.resolve("a.go"));
        CliRunner.Result done = first.get(60, TimeUnit.SECONDS);
        assertThat(done.exitCode()).as(done.out() + done.err()).isZero();
        assertThat(CliRunner.run("gc", a.toString()).exitCode()).isZero();
    }

    @Test
    void runs_of_two_pipelines_over_one_lake_are_refused_when_their_tables_overlap_and_run_side_by_side_when_not() throws Exception {
        Path a = pipeline("a", "t", "u");
        Path b = pipeline("b", "u");
        Path c = pipeline("c", "v");
        Files.createFile(dir.resolve("b.go"));
        Files.createFile(dir.resolve("c.go"));
        CompletableFuture<CliRunner.Result> first = startWaiting(a, "a");
        String runA = new RunStore(dir.resolve("state"), "a").latest().orElseThrow().runId();

        CliRunner.Result overlapping = CliRunner.run("run", b.toString());
        CliRunner.Result rollback = CliRunner.run("rollback", b.toString(), "--table", "u");
        CliRunner.Result disjoint = CliRunner.run("run", c.toString());

        assertThat(overlapping.exitCode()).as(overlapping.err()).isEqualTo(3);
        assertThat(overlapping.err()).isEqualTo("error: table u in the lake " + dir.resolve("lake") + " is being changed by another run "
                + "(pipeline a, run " + runA + ", pid " + ProcessHandle.current().pid() + " on " + InetAddress.getLocalHost().getHostName()
                + ", started 2024-06-30T01:02:03.004Z); wait for it to finish, or stop that process: a lock of a dead process never blocks\n");
        assertThat(new RunStore(dir.resolve("state"), "b").list()).as("the refused run recorded nothing").isEmpty();
        assertThat(rollback.exitCode()).isEqualTo(3);
        assertThat(rollback.err()).startsWith("error: table u in the lake " + dir.resolve("lake") + " is being changed by another run (pipeline a, run "
                + runA + ", pid ");
        assertThat(disjoint.exitCode()).as(disjoint.out() + disjoint.err()).isZero();

        Files.createFile(dir.resolve("a.go"));
        assertThat(first.get(60, TimeUnit.SECONDS).exitCode()).isZero();
        CliRunner.Result after = CliRunner.run("run", b.toString());
        assertThat(after.exitCode()).as(after.out() + after.err()).isZero();
        assertThat(dir.resolve("lake/.duckdag/locks")).isDirectoryContaining(p -> p.getFileName().toString().equals("u.lock"))
                .isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".holder"));
    }
}
