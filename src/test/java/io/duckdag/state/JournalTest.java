package io.duckdag.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckdag.Failpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    Journal journal() {
        return new Journal(dir.resolve("state"), Failpoints.NONE);
    }

    @Test
    void an_entry_interrupted_after_its_first_rename_is_finished_by_recovery_with_its_writes() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "A");
        Path b = Files.writeString(dir.resolve("b"), "B");
        Journal.Entry entry = new Journal.Entry("test", List.of(Journal.Move.required(a, dir.resolve("x/a")),
                Journal.Move.required(b, dir.resolve("x/b"))), List.of(Journal.Write.of(dir.resolve("done.json"), "{}")));

        Journal failing = new Journal(dir.resolve("state"), Failpoints.fromEnvironment(Map.of("DUCKDAG_FAILPOINT", "swap:t:moved-1@fail")));
        assertThatThrownBy(() -> failing.apply(entry, "swap:t")).hasMessage("failpoint swap:t:moved-1");
        assertThat(dir.resolve("x/a")).exists();
        assertThat(b).exists();
        assertThat(journal().pendingDescriptions()).containsExactly("test");

        assertThat(journal().recover()).containsExactly("test");

        assertThat(dir.resolve("x/b")).hasContent("B");
        assertThat(dir.resolve("done.json")).hasContent("{}");
        assertThat(journal().pendingDescriptions()).isEmpty();
        assertThat(journal().recover()).isEmpty();
    }

    @Test
    void a_source_re_written_under_the_same_name_undoes_the_whole_entry() throws Exception {
        Path staged = Files.writeString(dir.resolve("staged.parquet"), "compacted");
        Path input = Files.writeString(Files.createDirectories(dir.resolve("live")).resolve("a.parquet"), "old");
        Files.setLastModifiedTime(input, FileTime.from(Instant.ofEpochSecond(1000)));
        long size = Files.size(input);
        long mtime = Files.getLastModifiedTime(input).to(TimeUnit.NANOSECONDS);
        Files.writeString(input, "new, longer");
        Journal.Entry entry = new Journal.Entry("swap", List.of(
                Journal.Move.required(staged, dir.resolve("live/part.parquet")),
                Journal.Move.guarded(input, dir.resolve("backup/a.parquet"), size, mtime)),
                List.of(Journal.Write.of(dir.resolve("manifest.json"), "{}")));

        assertThatThrownBy(() -> journal().apply(entry, "t"))
                .isInstanceOf(Journal.AbortedException.class)
                .hasMessage("a.parquet was re-written since it was recorded, so it is new data that must stay live");

        assertThat(input).hasContent("new, longer");
        assertThat(staged).hasContent("compacted");
        assertThat(dir.resolve("live/part.parquet")).doesNotExist();
        assertThat(dir.resolve("backup/a.parquet")).doesNotExist();
        assertThat(dir.resolve("manifest.json")).doesNotExist();
        assertThat(journal().pendingDescriptions()).isEmpty();
    }

    @Test
    void recovery_undoes_an_entry_whose_required_source_is_gone_and_puts_back_what_had_moved() throws Exception {
        Files.createDirectories(dir.resolve("live"));
        Path input = Files.writeString(dir.resolve("live/a.parquet"), "input");
        long size = Files.size(input);
        long mtime = Files.getLastModifiedTime(input).to(TimeUnit.NANOSECONDS);
        Journal.Entry entry = new Journal.Entry("swap of year=2024", List.of(
                Journal.Move.required(dir.resolve("staging/part.parquet"), dir.resolve("live/part.parquet")),
                Journal.Move.guarded(input, dir.resolve("backup/a.parquet"), size, mtime)), List.of());
        Journal failing = new Journal(dir.resolve("state"), Failpoints.fromEnvironment(Map.of("DUCKDAG_FAILPOINT", "swap:t:journaled@fail")));
        assertThatThrownBy(() -> failing.apply(entry, "swap:t")).hasMessage("failpoint swap:t:journaled");

        assertThat(journal().recover()).containsExactly("swap of year=2024, undone: " + dir.resolve("staging/part.parquet")
                + " is gone, so the files it replaces must stay");

        assertThat(input).hasContent("input");
        assertThat(dir.resolve("backup/a.parquet")).doesNotExist();
    }

    @Test
    void a_rename_interrupted_between_link_and_unlink_is_finished_and_a_new_file_at_a_done_source_stays() throws Exception {
        Files.createDirectories(dir.resolve("backup"));
        Path half = Files.writeString(dir.resolve("half"), "H");
        Files.createLink(dir.resolve("backup/half"), half);
        Files.writeString(dir.resolve("backup/a"), "moved before");
        Path again = Files.writeString(dir.resolve("a"), "arrived since");

        journal().apply(new Journal.Entry("swap", List.of(Journal.Move.required(half, dir.resolve("backup/half")),
                Journal.Move.required(again, dir.resolve("backup/a"))), List.of()), "t");

        assertThat(half).doesNotExist();
        assertThat(dir.resolve("backup/half")).hasContent("H");
        assertThat(again).hasContent("arrived since");
        assertThat(dir.resolve("backup/a")).hasContent("moved before");
    }

    @Test
    void a_rename_never_replaces_a_file_that_appeared_at_the_target_during_an_undo() {
        assertThat(Journal.restoredName("a.parquet", 1)).isEqualTo("a.restored-1.parquet");
        assertThat(Journal.restoredName("noext", 2)).isEqualTo("noext.restored-2");
    }
}
