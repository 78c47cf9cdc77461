package io.duckdag.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckdag.ExitCode;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlannedStep;
import io.duckdag.state.RunStatus;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Steps that start by their trigger_rule: all_success (the default), all_done, one_failed. */
class TriggerRuleTest {
    @TempDir
    Path dir;

    @Test
    void an_all_done_step_runs_after_every_upstream_finished_even_failed_ones_and_the_run_still_fails() throws Exception {
        String body = """
                steps:
                  - id: slow
                    type: shell
                    with: { command: "sleep 0.5; echo slow >> ran.txt", workdir: $DIR }
                  - id: broken
                    type: shell
                    with: { command: "false", workdir: $DIR }
                  - id: after-broken
                    type: shell
                    depends_on: [broken]
                    with: { command: "echo after-broken >> ran.txt", workdir: $DIR }
                  - id: finally
                    type: shell
                    depends_on: [slow, after-broken]
                    trigger_rule: all_done
                    with: { command: "echo finally >> ran.txt", workdir: $DIR }
                  - id: after-finally
                    type: shell
                    depends_on: [finally]
                    with: { command: "echo after-finally >> ran.txt", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "alldone", body);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.latest().status()).isEqualTo(RunStatus.FAILED);
        assertThat(f.step("broken").status()).isEqualTo(StepStatus.FAILED);
        assertThat(f.step("after-broken").status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.step("finally").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.step("after-finally").status()).isEqualTo(StepStatus.SUCCEEDED);
        // finally waited for slow although broken had failed long before
        assertThat(f.lines("ran.txt")).containsExactly("slow", "finally", "after-finally");
    }

    @Test
    void an_explicit_all_success_behaves_as_before_upstream_failed_after_a_failure_and_run_after_a_disabled_step() throws Exception {
        String body = """
                steps:
                  - id: broken
                    type: shell
                    with: { command: "false", workdir: $DIR }
                  - id: off
                    type: shell
                    enabled: false
                    with: { command: "echo off >> ran.txt", workdir: $DIR }
                  - id: after-broken
                    type: shell
                    depends_on: [broken]
                    trigger_rule: all_success
                    with: { command: "echo after-broken >> ran.txt", workdir: $DIR }
                  - id: after-off
                    type: shell
                    depends_on: [off]
                    trigger_rule: all_success
                    with: { command: "echo after-off >> ran.txt", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "allsuccess", body);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);

        assertThat(f.step("after-broken").status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.step("after-broken").reason()).isEqualTo("upstream broken did not succeed");
        assertThat(f.step("off").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(f.step("after-off").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.lines("ran.txt")).containsExactly("after-off");
    }

    @Test
    void a_one_failed_step_runs_on_the_first_failure_without_waiting_for_the_other_upstream_steps() throws Exception {
        // 'waits' finishes only once the alert has run, so it succeeds only if the alert did not wait for it.
        String body = """
                steps:
                  - id: waits
                    type: shell
                    timeout: 20s
                    with: { command: "while [ ! -f alerted ]; do sleep 0.05; done; echo waits >> ran.txt", workdir: $DIR }
                  - id: broken
                    type: shell
                    with: { command: "false", workdir: $DIR }
                  - id: alert
                    type: shell
                    depends_on: [waits, broken]
                    trigger_rule: one_failed
                    with: { command: "echo alert >> ran.txt; touch alerted", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "onefailed", body);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.latest().status()).isEqualTo(RunStatus.FAILED);
        assertThat(f.step("alert").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.step("waits").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.lines("ran.txt")).containsExactly("alert", "waits");
    }

    @Test
    void a_one_failed_step_also_fires_on_an_upstream_failed_step_and_is_skipped_when_nothing_failed() throws Exception {
        String failing = """
                steps:
                  - id: first
                    type: shell
                    with: { command: "test -f fixed", workdir: $DIR }
                  - id: second
                    type: shell
                    depends_on: [first]
                    with: { command: "echo second >> ran.txt", workdir: $DIR }
                  - id: alert
                    type: shell
                    depends_on: [second]
                    trigger_rule: one_failed
                    with: { command: "echo alert >> ran.txt", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "alert", failing);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("second").status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.step("alert").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.lines("ran.txt")).containsExactly("alert");

        Files.createFile(dir.resolve("fixed"));
        RunOutcome clean = f.run();

        assertThat(clean.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(f.step("alert").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(f.step("alert").reason()).isEqualTo("no upstream step failed (trigger_rule: one_failed)");
        assertThat(f.step("alert").attempts()).isZero();
        assertThat(f.lines("ran.txt")).containsExactly("alert", "second");
    }

    static final String BRANCHES = """
            steps:
              - id: start
                type: shell
                with: { command: "echo start >> ran.txt", workdir: $DIR }
              - id: work
                type: shell
                foreach: [a, b]
                depends_on: [start]
                with: { command: "test ${item} = a -o -f fixed && echo work-${item} >> ran.txt", workdir: $DIR }
              - id: publish
                type: shell
                foreach: [a, b]
                depends_on: [work]
                with: { command: "echo publish-${item} >> ran.txt", workdir: $DIR }
              - id: sync
                type: shell
                depends_on: [publish]
                trigger_rule: all_done
                with: { command: "echo sync >> ran.txt", workdir: $DIR }
            """;

    @Test
    void resume_after_an_all_done_step_ran_reruns_the_failed_branch_and_the_all_done_step_only() throws Exception {
        EngineFixture f = new EngineFixture(dir, "branches", BRANCHES);
        RunOutcome failed = f.run();

        assertThat(failed.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("work[b]").status()).isEqualTo(StepStatus.FAILED);
        assertThat(f.step("publish[b]").status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.step("sync").status()).isEqualTo(StepStatus.SUCCEEDED);
        List<String> first = f.lines("ran.txt");
        assertThat(first).containsExactly("start", "work-a", "publish-a", "sync");

        // The trigger rule is not part of a step's configuration: changing it re-runs nothing that succeeded.
        f.write(BRANCHES.replace("depends_on: [work]", "depends_on: [work]\n    trigger_rule: all_done"));
        Files.createFile(dir.resolve("fixed"));
        Plan plan = f.planResume();

        String runId = failed.record().runId();
        assertThat(plan.steps()).filteredOn(s -> s.action() == PlannedStep.Action.RUN).extracting(s -> s.step().id())
                .containsExactly("work[b]", "publish[b]", "sync");
        assertThat(plan.step("publish[a]").reason()).isEqualTo("succeeded in run " + runId);
        assertThat(plan.step("sync").reason()).isEqualTo("upstream publish[b] re-runs");

        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.latest().status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(f.lines("ran.txt")).containsExactly("start", "work-a", "publish-a", "sync", "work-b", "publish-b", "sync");
    }
}
