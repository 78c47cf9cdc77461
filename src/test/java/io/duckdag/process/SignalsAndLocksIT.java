package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.kind.Processes;
import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStatus;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C, a second process, and a lock left by a killed process, with the real jar. */
class SignalsAndLocksIT {
    static final String PIPELINE = """
            pipeline: slow
            steps:
              - id: long
                type: shell
                with: { command: "test -f go || { echo $$ > long.pid; sleep 60; }" }
              - id: next
                type: shell
                depends_on: [long]
                with: { command: "echo next >> ran.txt" }
            """;

    @Test
    void ctrl_c_records_the_step_interrupted_exits_130_and_the_run_resumes(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("slow.yaml"), PIPELINE);
        Duckdag.Running running = Duckdag.start(cwd, Map.of(), "run", "slow.yaml");
        awaitFile(cwd.resolve("long.pid"));

        running.signal("INT");
        Duckdag.Result r = running.await(60);

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(130);
        assertThat(r.out()).contains("stopped  long", "was interrupted; resume it with: duckdag run slow.yaml --resume");
        RunRecord record = new RunStore(cwd.resolve("state"), "slow").latest().orElseThrow();
        assertThat(record.status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(record.step("long").orElseThrow().status()).isEqualTo(StepStatus.INTERRUPTED);
        long shell = Long.parseLong(Files.readString(cwd.resolve("long.pid")).strip());
        assertThat(Processes.isRunning(shell)).isFalse();

        Files.createFile(cwd.resolve("go"));
        Duckdag.Result resumed = Duckdag.run(cwd, "run", "slow.yaml", "--resume");
        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(Files.readAllLines(cwd.resolve("ran.txt"))).containsExactly("next");
    }

    /**
     * A terminal's Ctrl-C reaches the whole process group: the step's shell dies of it too, often
     * before duckdag's own handler has run. Tried several times, since it is a race.
     */
    @Test
    void ctrl_c_to_the_process_group_is_an_interrupt_not_a_failed_step(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("slow.yaml"), PIPELINE);
        for (int attempt = 0; attempt < 3; attempt++) {
            Files.deleteIfExists(cwd.resolve("long.pid"));
            Duckdag.Running running = attempt == 0 ? Duckdag.startAsGroup(cwd, Map.of(), "run", "slow.yaml")
                    : Duckdag.startAsGroup(cwd, Map.of(), "run", "slow.yaml", "--resume");
            awaitFile(cwd.resolve("long.pid"));

            running.signalGroup("INT");
            Duckdag.Result r = running.await(60);

            assertThat(r.code()).as("attempt " + attempt + ": " + r.out() + r.err()).isEqualTo(130);
            RunRecord record = new RunStore(cwd.resolve("state"), "slow").latest().orElseThrow();
            assertThat(record.status()).as("attempt " + attempt).isEqualTo(RunStatus.INTERRUPTED);
            assertThat(record.step("long").orElseThrow().status()).as("attempt " + attempt).isEqualTo(StepStatus.INTERRUPTED);
        }
    }

    @Test
    void a_second_run_exits_3_naming_the_holder_and_a_killed_holder_does_not_block(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("slow.yaml"), PIPELINE);
        Duckdag.Running first = Duckdag.start(cwd, Map.of(), "run", "slow.yaml");
        awaitFile(cwd.resolve("long.pid"));

        Duckdag.Result second = Duckdag.run(cwd, "run", "slow.yaml");

        assertThat(second.code()).isEqualTo(3);
        assertThat(second.err()).startsWith("error: another run of pipeline slow is in progress (run ")
                .contains("pid " + first.process().pid() + " on ");
        // The run the message names is the run in progress, as its record says.
        String running = new RunStore(cwd.resolve("state"), "slow").latest().orElseThrow().runId();
        assertThat(second.err()).contains("(run " + running + ",");

        first.kill9();
        long orphan = Long.parseLong(Files.readString(cwd.resolve("long.pid")).strip());
        assertThat(Processes.isRunning(orphan)).as("the killed run's shell outlives it").isTrue();
        Files.createFile(cwd.resolve("go"));

        Duckdag.Result resumed = Duckdag.run(cwd, "run", "slow.yaml", "--resume");

        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out()).contains("start    long");
        assertThat(Processes.isRunning(orphan)).as("resume stopped the orphaned step process").isFalse();
        assertThat(Files.readAllLines(cwd.resolve("ran.txt"))).containsExactly("next");
    }

    static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 600 && !Files.exists(file); i++) {
            Thread.sleep(50);
        }
        assertThat(file).exists();
    }
}
