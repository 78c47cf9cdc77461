package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.state.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real processes: while one run holds its locks, a gc and a rollback of its pipeline, and a
 * run of another pipeline that changes one of its tables in the same lake, exit 3 naming the
 * holder's run id and pid; once the holder is killed with -9, nothing blocks.
 */
class LakeLocksIT {
    static String pipeline(String name, String tables) {
        return "pipeline: " + name + "\n"
                + "settings: { lake: lake, staging: staging, backups: backups, metadata_db: metadata.db, state_dir: state }\n"
                + "tables: " + tables + "\n"
                + "steps:\n"
                + "  - { id: wait, type: shell, with: { command: \"touch " + name + ".started; test -f go || sleep 60\" } }\n"
                + "  - { id: compact, type: compact, foreach: tables, depends_on: [wait] }\n";
    }

    @Test
    void a_run_holding_a_table_refuses_gc_rollback_and_another_pipeline_on_that_table_until_it_is_killed(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("a.yaml"), pipeline("a", "{ t: { sort_by: [code] }, u: { sort_by: [code] } }"));
        Files.writeString(cwd.resolve("b.yaml"), pipeline("b", "{ u: { sort_by: [code] } }"));
        Files.createDirectories(cwd.resolve("lake"));
        Duckdag.Running a = Duckdag.start(cwd, Map.of(), "run", "a.yaml");
        SignalsAndLocksIT.awaitFile(cwd.resolve("a.started"));
        String runA = new RunStore(cwd.resolve("state"), "a").latest().orElseThrow().runId();
        String holder = "run " + runA + ", pid " + a.process().pid() + " on ";

        Duckdag.Result gc = Duckdag.run(cwd, "gc", "a.yaml");
        Duckdag.Result rollback = Duckdag.run(cwd, "rollback", "a.yaml", "--table", "t");
        Duckdag.Result b = Duckdag.run(cwd, "run", "b.yaml");

        assertThat(gc.code()).isEqualTo(3);
        assertThat(gc.err()).startsWith("error: another run of pipeline a is in progress (" + holder).contains("); run gc after it finishes");
        assertThat(rollback.code()).isEqualTo(3);
        assertThat(rollback.err()).startsWith("error: another run of pipeline a is in progress (" + holder);
        assertThat(b.code()).isEqualTo(3);
        assertThat(b.err()).startsWith("error: table u in the lake lake is being changed by another run (pipeline a, " + holder)
                .endsWith("; wait for it to finish, or stop that process: a lock of a dead process never blocks\n");
        assertThat(new RunStore(cwd.resolve("state"), "b").list()).isEmpty();

        a.kill9();
        Files.createFile(cwd.resolve("go"));
        Duckdag.Result bAgain = Duckdag.run(cwd, "run", "b.yaml");

        assertThat(bAgain.code()).as(bAgain.out() + bAgain.err()).isZero();
    }
}
