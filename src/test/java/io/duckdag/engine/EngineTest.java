package io.duckdag.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.DuckdagException;
import io.duckdag.ExitCode;
import io.duckdag.kind.Cancellation;
import io.duckdag.kind.Processes;
import io.duckdag.plan.Plan;
import io.duckdag.plan.PlanId;
import io.duckdag.plan.PlannedStep;
import io.duckdag.plan.Selection;
import io.duckdag.state.PipelineLock;
import io.duckdag.state.RunStatus;
import io.duckdag.state.StepRecord;
import io.duckdag.state.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineTest {
    @TempDir
    Path dir;

    static final String DIAMOND = """
            steps:
              - id: a
                type: shell
                with: { command: "echo a >> ran.txt", workdir: $DIR }
              - id: b
                type: shell
                foreach: [x, y]
                depends_on: [a]
                with: { command: "echo b-${item} >> ran.txt", workdir: $DIR }
              - id: c
                type: shell
                depends_on: [b]
                with: { command: "echo c >> ran.txt", workdir: $DIR }
            """;

    @Test
    void a_run_executes_every_step_once_in_dependency_order_and_records_it() throws Exception {
        EngineFixture f = new EngineFixture(dir, "diamond", DIAMOND);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.OK);
        List<String> ran = f.lines("ran.txt");
        assertThat(ran).hasSize(4).startsWith("a").endsWith("c").contains("b-x", "b-y");
        assertThat(f.latest().status()).isEqualTo(RunStatus.SUCCEEDED);
        for (String id : List.of("a", "b[x]", "b[y]", "c")) {
            StepRecord s = f.step(id);
            assertThat(s.status()).as(id).isEqualTo(StepStatus.SUCCEEDED);
            assertThat(s.attempts()).isEqualTo(1);
            assertThat(s.configFingerprint()).hasSize(64);
            assertThat(s.resultFingerprint()).hasSize(64);
            assertThat(s.metrics()).containsEntry("exit_code", 0);
            assertThat(Instant.parse(s.endedAt())).isAfterOrEqualTo(Instant.parse(s.startedAt()));
            assertThat(f.store().logFile(f.latest().runId(), id)).exists();
        }
        assertThat(Instant.parse(f.step("c").startedAt())).isAfterOrEqualTo(Instant.parse(f.step("b[y]").endedAt()));
    }

    @Test
    void a_failure_stops_its_downstream_but_independent_branches_finish_and_resume_reruns_only_what_is_needed() throws Exception {
        String body = """
                steps:
                  - id: flaky
                    type: shell
                    with: { command: "test -f $DIR/fixed", workdir: $DIR }
                  - id: after-flaky
                    type: shell
                    depends_on: [flaky]
                    with: { command: "echo after >> ran.txt", workdir: $DIR }
                  - id: independent
                    type: shell
                    with: { command: "echo independent >> ran.txt", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "branches", body);

        RunOutcome failed = f.run();

        assertThat(failed.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("flaky").status()).isEqualTo(StepStatus.FAILED);
        assertThat(f.step("flaky").error()).isEqualTo("command exited with code 1");
        assertThat(f.step("after-flaky").status()).isEqualTo(StepStatus.UPSTREAM_FAILED);
        assertThat(f.step("after-flaky").reason()).isEqualTo("upstream flaky did not succeed");
        assertThat(f.step("independent").status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(f.lines("ran.txt")).containsExactly("independent");

        Files.createFile(dir.resolve("fixed"));
        Plan plan = f.planResume();
        assertThat(plan.step("flaky").reason()).isEqualTo("failed in run " + failed.record().runId() + ": command exited with code 1");
        assertThat(plan.step("after-flaky").reason()).isEqualTo("not run in run " + failed.record().runId() + " because an upstream step failed");
        assertThat(plan.step("independent").action()).isEqualTo(PlannedStep.Action.SKIP);
        assertThat(plan.step("independent").reason()).isEqualTo("succeeded in run " + failed.record().runId());

        RunOutcome resumed = f.resume();

        assertThat(resumed.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(resumed.record().runId()).isEqualTo(failed.record().runId());
        assertThat(resumed.record().resumedAt()).hasSize(1);
        assertThat(f.lines("ran.txt")).containsExactly("independent", "after");
    }

    @Test
    void a_changed_configuration_reruns_the_step_and_everything_downstream_and_says_why() throws Exception {
        EngineFixture f = new EngineFixture(dir, "diamond", DIAMOND + """
                  - id: d
                    type: shell
                    with: { command: "false", workdir: $DIR }
                """);
        f.run();
        f.write(DIAMOND.replace("echo b-${item}", "echo B-${item}") + """
                  - id: d
                    type: shell
                    with: { command: "false", workdir: $DIR }
                """);

        Plan plan = f.planResume();

        assertThat(plan.step("a").action()).isEqualTo(PlannedStep.Action.SKIP);
        assertThat(plan.step("b[x]").reason()).isEqualTo("configuration changed: with.command");
        assertThat(plan.step("b[x]").changes()).containsExactly("with.command");
        assertThat(plan.step("c").reason()).startsWith("upstream b[").endsWith("] re-runs");

        f.resume();
        List<String> ran = f.lines("ran.txt");
        assertThat(ran).hasSize(7);
        assertThat(ran.subList(0, 4)).containsExactlyInAnyOrder("a", "b-x", "b-y", "c").startsWith("a").endsWith("c");
        assertThat(ran.subList(4, 7)).containsExactlyInAnyOrder("B-x", "B-y", "c").endsWith("c");
    }

    @Test
    void retries_back_off_and_count_attempts() throws Exception {
        String body = """
                steps:
                  - id: third-time-lucky
                    type: shell
                    retries: 3
                    retry_delay: 50ms
                    with:
                      command: "echo x >> tries.txt; test $(wc -l < tries.txt) -ge 3"
                      workdir: $DIR
                """;
        EngineFixture f = new EngineFixture(dir, "retries", body);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.lines("tries.txt")).hasSize(3);
        assertThat(f.step("third-time-lucky").attempts()).isEqualTo(3);
        String log = Files.readString(f.store().logFile(f.latest().runId(), "third-time-lucky"));
        assertThat(log).contains("attempt 1 of 4", "attempt 2 of 4", "attempt 3 of 4", "=== failed: command exited with code 1");
        assertThat(Scheduler.backoff(java.time.Duration.ofMillis(50), 1)).hasMillis(50);
        assertThat(Scheduler.backoff(java.time.Duration.ofMillis(50), 3)).hasMillis(200);
        assertThat(Scheduler.backoff(java.time.Duration.ofMinutes(40), 5)).hasHours(1);
    }

    @Test
    void a_timeout_kills_the_whole_process_tree_and_fails_the_step() throws Exception {
        String body = """
                steps:
                  - id: stuck
                    type: shell
                    timeout: 700ms
                    with: { command: "sleep 60 & echo $! > child.pid; wait", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "stuck", body);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("stuck").error()).isEqualTo("timed out after 700ms");
        long child = Long.parseLong(f.lines("child.pid").get(0).strip());
        assertThat(Processes.isRunning(child)).as("sleep child still running").isFalse();
    }

    @Test
    void a_timeout_cancels_a_duckdb_query() throws Exception {
        String body = """
                steps:
                  - id: slow
                    type: sql
                    timeout: 1s
                    with: { sql: "SELECT count(*) FROM range(100000000000) a" }
                """;
        EngineFixture f = new EngineFixture(dir, "slowsql", body);

        RunOutcome outcome = f.run();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.STEP_FAILED);
        assertThat(f.step("slow").error()).isEqualTo("timed out after 1s");
    }

    @Test
    void no_more_than_max_parallel_steps_run_at_once() throws Exception {
        String body = """
                steps:
                  - id: w
                    type: shell
                    foreach: [a, b, c, d, e]
                    with:
                      command: "echo start >> events.txt; sleep 0.3; echo end >> events.txt"
                      workdir: $DIR
                """;
        EngineFixture f = new EngineFixture(dir, "parallel", body);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);

        int running = 0;
        int most = 0;
        for (String e : f.lines("events.txt")) {
            running += e.equals("start") ? 1 : -1;
            most = Math.max(most, running);
        }
        assertThat(most).isEqualTo(2);
    }

    @Test
    void an_interrupt_stops_the_running_step_records_it_interrupted_and_resume_finishes() throws Exception {
        String body = """
                steps:
                  - id: long
                    type: shell
                    with: { command: "test -f done || (touch started; sleep 30)", workdir: $DIR }
                  - id: next
                    type: shell
                    depends_on: [long]
                    with: { command: "echo next >> ran.txt", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "interrupt", body);
        Cancellation ctrlC = new Cancellation();

        CompletableFuture<RunOutcome> running = CompletableFuture.supplyAsync(() -> f.run(RunRequest.newRun(f.file), ctrlC));
        while (!Files.exists(dir.resolve("started"))) {
            Thread.sleep(20);
        }
        ctrlC.interrupt();
        RunOutcome outcome = running.get();

        assertThat(outcome.exitCode()).isEqualTo(ExitCode.INTERRUPTED);
        assertThat(f.latest().status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(f.step("long").status()).isEqualTo(StepStatus.INTERRUPTED);
        assertThat(f.step("next").status()).isEqualTo(StepStatus.PENDING);

        Files.createFile(dir.resolve("done"));
        assertThat(f.planResume().step("long").reason()).isEqualTo("interrupted in run " + outcome.record().runId());
        assertThat(f.resume().exitCode()).isEqualTo(ExitCode.OK);
        assertThat(f.lines("ran.txt")).containsExactly("next");
    }

    @Test
    void only_and_from_select_steps() throws Exception {
        EngineFixture f = new EngineFixture(dir, "diamond", DIAMOND);

        f.run(f.request(false, new Selection(Optional.of("b"), Optional.empty()), Optional.empty()), new Cancellation());
        assertThat(f.lines("ran.txt")).containsExactlyInAnyOrder("b-x", "b-y");
        assertThat(f.step("a").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(f.step("a").reason()).isEqualTo("not selected by --only b");

        f.run(f.request(false, new Selection(Optional.empty(), Optional.of("b[y]")), Optional.empty()), new Cancellation());
        assertThat(f.lines("ran.txt")).hasSize(4).endsWith("b-y", "c");

        assertThatThrownBy(() -> f.engine().plan(f.request(false, new Selection(Optional.of("bb"), Optional.empty()), Optional.empty())))
                .hasMessage("--only bb: the pipeline has no step 'bb'; did you mean 'b'? (steps: a, b[x], b[y], c, b)");
    }

    @Test
    void a_second_run_while_the_lock_is_held_exits_3_naming_the_holder() throws Exception {
        EngineFixture f = new EngineFixture(dir, "locked", DIAMOND);
        try (PipelineLock held = PipelineLock.acquire(dir.resolve("state/locked"), "locked", "20240101-000000-000", Instant.EPOCH)) {
            assertThatThrownBy(f::run)
                    .isInstanceOfSatisfying(DuckdagException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.LOCKED))
                    .hasMessageStartingWith("another run of pipeline locked is in progress (run 20240101-000000-000, pid "
                            + ProcessHandle.current().pid() + " on ")
                    .hasMessageEndingWith("started 1970-01-01T00:00:00Z); wait for it to finish, or stop that process: "
                            + "a lock of a dead process never blocks");
        }
        assertThat(f.run().exitCode()).isEqualTo(ExitCode.OK);
    }

    @Test
    void run_with_a_reviewed_plan_refuses_when_anything_changed() throws Exception {
        EngineFixture f = new EngineFixture(dir, "reviewed", DIAMOND);
        PlanId reviewed = f.engine().plan(f.request(false, Selection.ALL, Optional.empty())).id();

        assertThat(f.run(f.request(false, Selection.ALL, Optional.of(reviewed)), new Cancellation()).exitCode()).isEqualTo(ExitCode.OK);

        f.write(DIAMOND.replace("echo c", "echo C"));
        assertThatThrownBy(() -> f.run(f.request(false, Selection.ALL, Optional.of(reviewed)), new Cancellation()))
                .isInstanceOfSatisfying(DuckdagException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.INVALID))
                .hasMessageStartingWith("the plan changed since " + reviewed + " was printed: the pipeline file changed; nothing was run.");
        assertThat(f.store().list()).hasSize(1);
    }

    @Test
    void resume_without_an_unfinished_run_is_refused() throws Exception {
        EngineFixture f = new EngineFixture(dir, "fresh", DIAMOND);

        assertThatThrownBy(f::resume)
                .hasMessage("pipeline fresh has no unfinished run to resume (in " + dir.resolve("state/fresh")
                        + "); start a new one with 'duckdag run " + f.file + "'");
    }

    @Test
    void a_resumed_run_keeps_its_params_and_run_values() throws Exception {
        String body = """
                params: { day: "2024-01-01" }
                steps:
                  - id: first
                    type: shell
                    with: { command: "echo ${params.day} ${run.id} >> ran.txt", workdir: $DIR }
                  - id: second
                    type: shell
                    depends_on: [first]
                    with: { command: "test -f ok && echo ${params.day} ${run.id} >> ran.txt", workdir: $DIR }
                """;
        EngineFixture f = new EngineFixture(dir, "params", body);
        RunOutcome first = f.run(new RunRequest(f.file, Map.of("day", "2024-06-30"), Optional.empty(), false, Optional.empty(),
                Selection.ALL, Optional.empty()), new Cancellation());
        Files.createFile(dir.resolve("ok"));

        f.resume();

        String id = first.record().runId();
        assertThat(f.lines("ran.txt")).containsExactly("2024-06-30 " + id, "2024-06-30 " + id);
    }

    @Test
    void sql_steps_run_against_a_database_file_and_report_bad_sql() throws Exception {
        String body = """
                steps:
                  - id: load
                    type: sql
                    with:
                      database: $DIR/db/test.duckdb
                      sql: |
                        CREATE OR REPLACE TABLE t AS SELECT range AS i FROM range(10);
                        SELECT count(*) AS n FROM t;
                  - id: broken
                    type: sql
                    depends_on: [load]
                    with: { sql: "SELEC 1" }
                """;
        EngineFixture f = new EngineFixture(dir, "sql", body);

        assertThat(f.run().exitCode()).isEqualTo(ExitCode.STEP_FAILED);

        assertThat(f.step("load").metrics()).containsEntry("result_rows", 1);
        assertThat(f.step("broken").error()).startsWith("DuckDB refused the SQL of step broken: Parser Error: syntax error at or near \"SELEC\"");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("db/test.duckdb"));
             ResultSet rs = c.createStatement().executeQuery("SELECT sum(i) FROM t")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(45);
        }
        assertThat(Files.readString(f.store().logFile(f.latest().runId(), "load"))).contains("n\n10\n(1 rows)");
    }
}
