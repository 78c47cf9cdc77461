package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStatus;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with -9 stays recorded as running; status, runs and plan show it interrupted,
 * its process gone, while a live run still shows as running. Nothing is rewritten by reading.
 */
class KilledRunStatusIT {
    static final String PIPELINE = """
            pipeline: killed
            steps:
              - id: a
                type: shell
                with: { command: "true" }
              - id: b
                type: shell
                depends_on: [a]
                with: { command: "touch b-started; exec sleep 60" }
              - id: c
                type: shell
                depends_on: [b]
                with: { command: "true" }
            """;

    @Test
    void a_killed_run_reads_as_interrupted_with_its_process_gone_and_a_live_one_as_running(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("killed.yaml"), PIPELINE);
        Duckdag.Running run = Duckdag.start(cwd, Map.of(), "run", "killed.yaml");
        RunStore store = new RunStore(cwd.resolve("state"), "killed");
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (!Files.exists(cwd.resolve("b-started")) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(cwd.resolve("b-started")).exists();

            Duckdag.Result live = Duckdag.run(cwd, "status", "killed.yaml");
            assertThat(live.out()).as(live.err()).contains(": running (started ")
                    .containsPattern("\nb +running +- +1 +\n")
                    .contains("c     pending                 -         -  not started (new run)");
            assertThat(Duckdag.run(cwd, "plan", "killed.yaml").out()).doesNotContain("--resume' would resume it");
        } finally {
            run.kill9();
            stopOrphan(store);
        }

        RunRecord recorded = store.latest().orElseThrow();
        assertThat(recorded.status()).isEqualTo(RunStatus.RUNNING);
        String id = recorded.runId();

        Duckdag.Result status = Duckdag.run(cwd, "status", "killed.yaml");
        assertThat(status.out()).startsWith("run " + id + " of pipeline killed: interrupted (its process is gone; started ")
                .contains("b     interrupted             -         1  interrupted: its process is gone (killed or crashed)\n",
                        "c     pending                 -         -  not started (the run's process is gone)\n",
                        "The process of run " + id + " is gone (killed or crashed); resume it with: duckdag run killed.yaml --resume");
        Duckdag.Result json = Duckdag.run(cwd, "status", "killed.yaml", "--json");
        assertThat(json.out()).contains("\"status\" : \"interrupted\"").doesNotContain("\"running\"");

        Duckdag.Result runs = Duckdag.run(cwd, "runs", "killed.yaml");
        assertThat(runs.out()).contains(id + "     interrupted  ", "1 pending, 1 succeeded, 1 interrupted (its process is gone)\n");
        assertThat(Duckdag.run(cwd, "runs", "killed.yaml", "--json").out()).contains("\"process_gone\" : true");

        Duckdag.Result plan = Duckdag.run(cwd, "plan", "killed.yaml");
        assertThat(plan.out()).contains("Note: run " + id + " is unfinished (interrupted); 'duckdag run killed.yaml --resume' would resume it.");

        // Reading changed nothing: the record is as the killed run left it, and a resume carries it on.
        assertThat(store.latest().orElseThrow()).isEqualTo(recorded);
        Files.writeString(cwd.resolve("killed.yaml"), PIPELINE.replace("touch b-started; exec sleep 60", "true"));
        Duckdag.Result resumed = Duckdag.run(cwd, "run", "killed.yaml", "--resume");
        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(store.latest().orElseThrow().step("b").orElseThrow().status()).isEqualTo(StepStatus.SUCCEEDED);
    }

    /** The killed run's sleep outlives it; end it by the pid its record holds. */
    private static void stopOrphan(RunStore store) {
        store.latest().flatMap(r -> r.step("b")).map(s -> s.pid()).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }
}
