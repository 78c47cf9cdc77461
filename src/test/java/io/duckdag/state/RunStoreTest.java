package io.duckdag.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.DuckdagException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run record on disk: a snapshot (run.json) and the change log of its steps beside it, on real files. */
class RunStoreTest {
    static final String RUN = "20261125-234642-123";

    @TempDir
    Path dir;

    RunStore store() {
        return new RunStore(dir.resolve("state"), "p");
    }

    static RunRecord threeSteps() {
        Map<String, StepRecord> steps = new LinkedHashMap<>();
        for (String id : List.of("a", "b", "c")) {
            steps.put(id, StepRecord.pending(id, "fp-" + id, Map.of("command", "echo " + id)));
        }
        return new RunRecord(RUN, "p", "p.yaml", "sha", Map.of("date", "2024-06-30"), "2024-06-30", RunStatus.RUNNING,
                "2026-11-25T23:46:42Z", null, List.of(), steps);
    }

    static StepRecord succeed(StepRecord r) {
        return r.ended(StepStatus.SUCCEEDED, "2026-11-25T23:46:44Z", "result-" + r.id(), Map.of("exit_code", 0), null);
    }

    Path log() throws Exception {
        try (Stream<Path> files = Files.list(store().runDir(RUN))) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().startsWith("changes-")).toList();
            assertThat(logs).hasSize(1);
            return logs.get(0);
        }
    }

    @Test
    void every_change_to_a_step_is_read_back_in_order_with_the_pid() {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.updateStep("a", r -> r.started(1, "2026-11-25T23:46:43Z", "up-a"));
        run.recordPid("a", 4242);
        run.updateStep("a", RunStoreTest::succeed);
        run.updateStep("b", r -> r.started(1, "2026-11-25T23:46:45Z", "up-b"));
        run.recordPid("b", 4343);

        RunRecord loaded = store().load(RUN).orElseThrow();

        assertThat(loaded).isEqualTo(run.current());
        assertThat(loaded.step("a").orElseThrow().status()).isEqualTo(StepStatus.SUCCEEDED);
        assertThat(loaded.step("b").orElseThrow().status()).isEqualTo(StepStatus.RUNNING);
        assertThat(loaded.step("b").orElseThrow().pid()).isEqualTo(4343L);
        assertThat(loaded.steps().keySet()).containsExactly("a", "b", "c");
    }

    @Test
    void a_change_whose_write_was_cut_short_is_dropped_and_the_step_stays_as_it_was() throws Exception {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.updateStep("a", r -> r.started(1, "2026-11-25T23:46:43Z", "up-a"));
        long whole = Files.size(log());
        run.updateStep("a", RunStoreTest::succeed);
        // A kill in the middle of the write: only part of the last line reached the file.
        for (long cut : new long[] {whole + 1, whole + 9, Files.size(log()) - 2, Files.size(log()) - 1}) {
            byte[] bytes = Files.readAllBytes(log());
            Path copy = Files.write(dir.resolve("cut.log"), Arrays.copyOf(bytes, (int) cut));
            assertThat(ChangeLog.read(copy)).extracting(StepRecord::status).as("cut at %d", cut).containsExactly(StepStatus.RUNNING);
        }
        Files.write(log(), Arrays.copyOf(Files.readAllBytes(log()), (int) Files.size(log()) - 1));

        RunRecord loaded = store().load(RUN).orElseThrow();

        assertThat(loaded.step("a").orElseThrow().status()).isEqualTo(StepStatus.RUNNING);
        assertThat(loaded.step("a").orElseThrow().resultFingerprint()).isNull();
        assertThat(loaded.step("b").orElseThrow().status()).isEqualTo(StepStatus.PENDING);
    }

    @Test
    void a_torn_step_record_is_not_trusted_nor_anything_after_it() throws Exception {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.updateStep("a", r -> r.started(1, "2026-11-25T23:46:43Z", "up-a"));
        long before = Files.size(log());
        run.updateStep("a", RunStoreTest::succeed);
        run.updateStep("b", r -> r.started(1, "2026-11-25T23:46:45Z", "up-b"));
        run.updateStep("b", RunStoreTest::succeed);

        // A block of the line that says a succeeded came back as zeros (a power cut), its length intact.
        byte[] zeroed = Files.readAllBytes(log());
        Arrays.fill(zeroed, (int) before + 20, (int) before + 40, (byte) 0);
        Files.write(log(), zeroed);
        assertThat(store().load(RUN).orElseThrow().steps().values()).extracting(StepRecord::status)
                .containsExactly(StepStatus.RUNNING, StepStatus.PENDING, StepStatus.PENDING);
    }

    @Test
    void a_line_changed_into_other_valid_json_fails_its_checksum() throws Exception {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.updateStep("a", r -> r.started(1, "2026-11-25T23:46:43Z", "up-a"));
        run.updateStep("a", r -> r.ended(StepStatus.FAILED, "2026-11-25T23:46:44Z", null, Map.of(), "boom"));
        String text = Files.readString(log());
        Files.writeString(log(), text.replace("\"failed\"", "\"succeeded\""));

        assertThat(store().load(RUN).orElseThrow().step("a").orElseThrow().status()).isEqualTo(StepStatus.RUNNING);
    }

    @Test
    void a_resume_after_a_torn_tail_writes_a_new_snapshot_and_its_changes_are_not_lost_behind_the_tear() throws Exception {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.updateStep("a", r -> r.started(1, "2026-11-25T23:46:43Z", "up-a"));
        run.updateStep("a", RunStoreTest::succeed);
        run.updateStep("b", r -> r.started(1, "2026-11-25T23:46:45Z", "up-b"));
        Files.write(log(), "0badc0de {\"id\":\"b\",\"sta".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        RunRecord killed = store().load(RUN).orElseThrow();

        RecordedRun resumed = new RecordedRun(store(), killed.resumed("2026-11-26T00:00:00Z", "p.yaml", "sha", Map.of()));
        resumed.updateStep("b", RunStoreTest::succeed);

        assertThat(log().getFileName().toString()).isEqualTo("changes-2.log");
        RunRecord loaded = store().load(RUN).orElseThrow();
        assertThat(loaded.steps().values()).extracting(StepRecord::status)
                .containsExactly(StepStatus.SUCCEEDED, StepStatus.SUCCEEDED, StepStatus.PENDING);
        assertThat(loaded.resumedAt()).containsExactly("2026-11-26T00:00:00Z");
    }

    @Test
    void the_end_of_a_run_folds_the_changes_into_one_snapshot_and_a_stale_log_left_by_a_crash_is_never_replayed() throws Exception {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.updateStep("a", r -> r.started(1, "2026-11-25T23:46:43Z", "up-a"));
        run.updateStep("a", RunStoreTest::succeed);
        byte[] stale = Files.readAllBytes(log());

        RunRecord done = run.update(r -> r.ended(RunStatus.FAILED, "2026-11-25T23:46:50Z"));

        try (Stream<Path> files = Files.list(store().runDir(RUN))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("run.json", "logs");
        }
        String snapshot = Files.readString(store().recordFile(RUN));
        assertThat(snapshot).contains("\"result-a\"").contains("\"changes\" : \"changes-2.log\"");
        assertThat(store().load(RUN).orElseThrow()).isEqualTo(done);

        // Killed after the new snapshot, before the old log was deleted: the old log is named by nothing.
        Files.write(store().runDir(RUN).resolve("changes-1.log"), stale);
        assertThat(store().load(RUN).orElseThrow()).isEqualTo(done);
    }

    @Test
    void each_snapshot_names_a_log_no_earlier_snapshot_named_even_when_no_change_was_written() throws Exception {
        RecordedRun run = new RecordedRun(store(), threeSteps());
        run.update(r -> r.ended(RunStatus.INTERRUPTED, "2026-11-25T23:46:50Z"));
        run.update(r -> r.resumed("2026-11-26T00:00:00Z", "p.yaml", "sha", Map.of()));

        assertThat(Files.readString(store().recordFile(RUN))).contains("\"changes\" : \"changes-3.log\"");
    }

    @Test
    void a_run_folder_of_the_previous_format_reads_as_it_did() throws Exception {
        Path file = store().recordFile(RUN);
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {
                  "run_id" : "20261125-234642-123",
                  "pipeline" : "p",
                  "file" : "p.yaml",
                  "pipeline_sha256" : "sha",
                  "params" : { "date" : "2024-06-30" },
                  "run_date" : "2024-06-30",
                  "status" : "running",
                  "started_at" : "2026-11-25T23:46:42Z",
                  "resumed_at" : [ ],
                  "steps" : {
                    "a" : {
                      "id" : "a",
                      "status" : "succeeded",
                      "attempts" : 1,
                      "started_at" : "2026-11-25T23:46:43Z",
                      "ended_at" : "2026-11-25T23:46:44Z",
                      "config_fingerprint" : "fp-a",
                      "config" : { "command" : "echo a" },
                      "upstream_fingerprint" : "up-a",
                      "result_fingerprint" : "result-a",
                      "metrics" : { "exit_code" : 0 }
                    },
                    "b" : {
                      "id" : "b",
                      "status" : "running",
                      "attempts" : 1,
                      "started_at" : "2026-11-25T23:46:45Z",
                      "config_fingerprint" : "fp-b",
                      "config" : { "command" : "echo b" },
                      "upstream_fingerprint" : "up-b",
                      "metrics" : { },
                      "pid" : 4343
                    }
                  }
                }
                """);

        RunRecord old = store().load(RUN).orElseThrow();

        assertThat(old.step("a").orElseThrow().resultFingerprint()).isEqualTo("result-a");
        assertThat(old.step("b").orElseThrow().pid()).isEqualTo(4343L);
        assertThat(old.step("b").orElseThrow().outputTail()).isEmpty(); // a field added later
        assertThat(store().latestUnfinished()).contains(old);

        // Resumed by this version, it carries on in the new format.
        RecordedRun resumed = new RecordedRun(store(), old.resumed("2026-11-26T00:00:00Z", "p.yaml", "sha", Map.of()));
        resumed.updateStep("b", RunStoreTest::succeed);
        assertThat(store().load(RUN).orElseThrow()).isEqualTo(resumed.current());
    }

    @Test
    void a_snapshot_that_names_something_other_than_a_change_log_is_refused_with_what_to_do() throws Exception {
        new RecordedRun(store(), threeSteps());
        Path file = store().recordFile(RUN);
        Files.writeString(file, Files.readString(file).replace("changes-1.log", "../../../etc/passwd"));

        assertThatThrownBy(() -> store().load(RUN)).isInstanceOf(DuckdagException.class)
                .hasMessageContaining("the run record " + file + " cannot be read")
                .hasMessageContaining("move that run's folder out of");
    }
}
