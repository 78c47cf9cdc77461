package io.duckdag.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.state.RunRecord;
import io.duckdag.state.RunStatus;
import io.duckdag.state.RunStore;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real jar, killed with SIGKILL at named failpoints and at random instants, then resumed:
 * the state is always readable and the resumed run finishes with every step done.
 */
class KillResumeIT {
    static final List<String> STEPS = List.of("a", "b[x]", "b[y]", "c");
    static final String PIPELINE = """
            pipeline: kills
            settings: { max_parallel: 1 }
            steps:
              - id: a
                type: shell
                with: { command: "echo a >> ran.txt" }
              - id: b
                type: shell
                foreach: [x, y]
                depends_on: [a]
                with: { command: "echo 'b[${item}]' >> ran.txt" }
              - id: c
                type: shell
                depends_on: [b]
                with: { command: "echo c >> ran.txt" }
            """;

    static Stream<Arguments> failpoints() {
        return Stream.of("a", "b[x]", "c").flatMap(step -> Stream.of("before", "after", "recorded")
                .map(when -> Arguments.of(when + ":" + step, step, when)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failpoints")
    void killed_at_a_step_boundary_resume_finishes_and_only_unrecorded_work_repeats(String point, String step, String when,
                                                                                    @TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("kills.yaml"), PIPELINE);

        Duckdag.Result killed = Duckdag.run(cwd, Map.of("DUCKDAG_FAILPOINT", point), "run", "kills.yaml");

        assertThat(killed.code()).as(killed.err()).isEqualTo(137);
        RunRecord record = store(cwd).latest().orElseThrow();
        assertThat(record.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(record.step(step).orElseThrow().status())
                .isEqualTo(when.equals("recorded") ? StepStatus.SUCCEEDED : StepStatus.RUNNING);

        Duckdag.Result resumed = Duckdag.run(cwd, "run", "kills.yaml", "--resume");

        assertThat(resumed.code()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming run " + record.runId());
        RunRecord done = store(cwd).latest().orElseThrow();
        assertThat(done.runId()).isEqualTo(record.runId());
        assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
        List<String> ran = Files.readAllLines(cwd.resolve("ran.txt"));
        for (String s : STEPS) {
            int expected = s.equals(step) && when.equals("after") ? 2 : 1;
            assertThat(Collections.frequency(ran, s)).as("%s ran", s).isEqualTo(expected);
            assertThat(done.step(s).orElseThrow().status()).isEqualTo(StepStatus.SUCCEEDED);
        }
    }

    @Test
    void killed_at_random_instants_again_and_again_the_state_stays_readable_and_the_run_completes(@TempDir Path cwd) throws Exception {
        StringBuilder yaml = new StringBuilder("pipeline: random\nsettings: { max_parallel: 2 }\nsteps:\n");
        for (int i = 0; i < 8; i++) {
            yaml.append("  - id: s").append(i).append("\n    type: shell\n")
                    .append(i >= 2 ? "    depends_on: [s" + (i - 2) + "]\n" : "")
                    .append("    with: { command: \"sleep 0.4; echo s").append(i).append(" >> ran.txt\" }\n");
        }
        Files.writeString(cwd.resolve("random.yaml"), yaml.toString());
        long seed = System.nanoTime();
        Random random = new Random(seed);

        int kills = 0;
        boolean first = true;
        for (int round = 0; round < 4; round++) {
            Duckdag.Running r = Duckdag.start(cwd, Map.of(), first ? new String[] {"run", "random.yaml"}
                    : new String[] {"run", "random.yaml", "--resume"});
            Thread.sleep(300 + random.nextInt(900));
            if (!r.process().isAlive()) {
                break;
            }
            r.kill9();
            kills++;
            if (store(cwd, "random").latest().isPresent()) {
                first = false;
                RunRecord snapshot = store(cwd, "random").latest().orElseThrow();
                assertThat(snapshot.steps()).as("seed %d", seed).hasSize(8);
            }
        }
        boolean done0 = store(cwd, "random").latest().map(x -> x.status() == RunStatus.SUCCEEDED).orElse(false);
        // A run that ended before it could be killed is done: starting another would run every step again.
        Duckdag.Result last = done0 ? new Duckdag.Result(0, "", "")
                : Duckdag.run(cwd, first ? new String[] {"run", "random.yaml"} : new String[] {"run", "random.yaml", "--resume"});
        if (last.code() != 0 && last.err().contains("no unfinished run")) {
            last = new Duckdag.Result(0, "", ""); // the last killed process had already finished
        }
        assertThat(last.code()).as("seed %d: %s %s", seed, last.out(), last.err()).isZero();

        RunRecord done = store(cwd, "random").latest().orElseThrow();
        assertThat(done.status()).as("seed %d", seed).isEqualTo(RunStatus.SUCCEEDED);
        List<String> ran = Files.readAllLines(cwd.resolve("ran.txt"));
        for (int i = 0; i < 8; i++) {
            StepRecord s = done.step("s" + i).orElseThrow();
            assertThat(s.status()).isEqualTo(StepStatus.SUCCEEDED);
            assertThat(Collections.frequency(ran, "s" + i)).as("seed %d, s%d ran", seed, i).isBetween(1, kills + 1);
        }
    }

    static RunStore store(Path cwd) {
        return store(cwd, "kills");
    }

    static RunStore store(Path cwd, String pipeline) {
        return new RunStore(cwd.resolve("state"), pipeline);
    }
}
